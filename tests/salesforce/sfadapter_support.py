"""Helpers shared by the Salesforce adapter tests (kept out of conftest so imports are unambiguous)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from syncore_salesforce import SalesforceAdapter
from syncore_salesforce.emulator import SalesforceEmulator

T0 = datetime(2026, 11, 24, 15, 0, 0, tzinfo=UTC)
LINK_FIELD = "Syncore_Link__c"


class Sleeps:
    """An injected sleep that records the back-off it was asked for instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_adapter(emu: SalesforceEmulator, *, login: bool = False, **options: Any) -> SalesforceAdapter:
    """An adapter on ``emu``: session-id client, or (``login=True``) password login that can re-login."""
    options.setdefault("clock", emu.clock.now)
    options.setdefault("sleep", Sleeps())
    if login:
        user = emu.auth.user()
        return SalesforceAdapter.login(username=user.username, password=user.password,
                                       security_token=user.security_token, session=emu.session(), **options)
    return SalesforceAdapter(emu.client(), **options)
