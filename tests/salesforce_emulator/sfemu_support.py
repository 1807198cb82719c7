"""Constants shared by the Salesforce emulator tests (kept out of conftest so imports are unambiguous)."""

from __future__ import annotations

from datetime import UTC, datetime

T0 = datetime(2026, 11, 24, 15, 0, 0, tzinfo=UTC)
