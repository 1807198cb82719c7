"""A Microsoft Graph emulator for Outlook calendars, contacts and To Do tasks (see :class:`GraphEmulator`).

Every behaviour follows Microsoft's documentation pages, cited in the module that implements it and in the
fidelity tests (tests/graph_emulator). Run it with ``with GraphEmulator() as emu: ...``.
"""

from __future__ import annotations

from .emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_MAILBOX, GRAPH_SCOPE, GraphEmulator

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "DEFAULT_MAILBOX", "GRAPH_SCOPE", "GraphEmulator"]
