"""Fixtures for the Outlook adapter tests: a fake Outlook in Europe/Berlin and an adapter on it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncore_outlook import OutlookComAdapter
from syncore_outlook.fake import FakeClock, FakeOutlook

#: a fixed "now" for the fake's clock (before the EU fall-back change of 2026-10-25)
T0 = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> FakeOutlook:
    """An empty fake Outlook whose local zone is Europe/Berlin."""
    return FakeOutlook(local_zone="Europe/Berlin", clock=FakeClock(T0))


@pytest.fixture
def outlook(fake: FakeOutlook) -> OutlookComAdapter:
    """The adapter on the fake's Application."""
    return OutlookComAdapter(fake.application)

