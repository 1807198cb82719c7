"""Live round trip against a real Exchange server (EWS). Skipped unless credentials are in the environment.

EWS_EMAIL (mailbox), EWS_USERNAME (default: EWS_EMAIL), EWS_PASSWORD, and EWS_SERVER (host) or EWS_URL
(full endpoint); optional EWS_AUTH_TYPE (basic/ntlm), EWS_TIMEZONE (IANA, default UTC). See docs/exchange.md.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from syncore.models import Body, Event, Kind, Task
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest, read_unread

pytestmark = pytest.mark.live_exchange

_ENV = {name: os.environ.get(name) for name in ("EWS_EMAIL", "EWS_USERNAME", "EWS_PASSWORD", "EWS_SERVER",
                                                  "EWS_URL", "EWS_AUTH_TYPE", "EWS_TIMEZONE")}
if not (_ENV["EWS_EMAIL"] and _ENV["EWS_PASSWORD"] and (_ENV["EWS_SERVER"] or _ENV["EWS_URL"])):
    pytest.skip("set EWS_EMAIL, EWS_PASSWORD and EWS_SERVER or EWS_URL to run live Exchange tests",
                allow_module_level=True)


@pytest.fixture(scope="module")
def adapter():
    from syncore_exchange import ExchangeAdapter

    adapter = ExchangeAdapter.connect(
        _ENV["EWS_EMAIL"], username=_ENV["EWS_USERNAME"] or _ENV["EWS_EMAIL"], password=_ENV["EWS_PASSWORD"],
        server=_ENV["EWS_SERVER"] if not _ENV["EWS_URL"] else None, service_endpoint=_ENV["EWS_URL"],
        auth_type=_ENV["EWS_AUTH_TYPE"], default_timezone=_ENV["EWS_TIMEZONE"] or "UTC")
    yield adapter
    adapter.close()


def test_live_event_round_trip_feed_and_link(adapter):
    marker = uuid.uuid4().hex[:8]
    start = (datetime.now(UTC) + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    event = Event(subject=f"syncore live {marker}", start=start, end=start + timedelta(minutes=30),
                  body=Body(html=f"<p><b>syncore</b> {marker}</p>"))
    scan = adapter.full_scan(Kind.EVENT)
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="c", record=event, link=f"live-{marker}")])
    try:
        assert created.ok, created.error
        assert adapter.fetch(Kind.EVENT, [created.id])[created.id].record == event
        assert adapter.find_by_link(Kind.EVENT, [f"live-{marker}"])[f"live-{marker}"].id == created.id
        feed = read_unread(adapter, Kind.EVENT, adapter.changes(Kind.EVENT, scan.cursor))
        assert created.id in {u.id for u in feed.upserts}
        (updated,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="u", id=created.id, record=event.replace(subject="x"),
                                                               fields=frozenset({"subject"}), base_version=created.version)])
        assert updated.ok and updated.version != created.version
        (stale,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="s", id=created.id, record=event,
                                                             fields=frozenset({"subject"}), base_version=created.version)])
        assert stale.error.__class__.__name__ == "VersionMismatch"
    finally:
        adapter.delete(Kind.EVENT, [DeleteRequest(ref="d", id=created.id)])


def test_live_task_round_trip(adapter):
    task = Task(subject=f"syncore live task {uuid.uuid4().hex[:8]}")
    (created,) = adapter.create(Kind.TASK, [CreateRequest(ref="c", record=task)])
    try:
        assert created.ok, created.error
        assert adapter.fetch(Kind.TASK, [created.id])[created.id].record.subject == task.subject
    finally:
        adapter.delete(Kind.TASK, [DeleteRequest(ref="d", id=created.id)])
