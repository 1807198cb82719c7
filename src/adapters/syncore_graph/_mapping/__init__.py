"""Pure Graph JSON ⇄ syncore mapping (no HTTP): events, contacts, To Do tasks, values, recurrence."""

from __future__ import annotations
