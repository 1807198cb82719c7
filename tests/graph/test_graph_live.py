"""Live round trips against a real Microsoft 365 mailbox through Microsoft Graph. Skipped unless configured.

GRAPH_TENANT (directory id or domain), GRAPH_CLIENT_ID (the app registration), GRAPH_MAILBOX (the user
principal name), and either GRAPH_CLIENT_SECRET (app-only: Calendars.ReadWrite, Contacts.ReadWrite and
Tasks.ReadWrite application permissions; To Do needs delegated access, so tasks are skipped app-only) or
GRAPH_SIGN_IN_CACHE (the msal token cache written by ``syncore sign-in`` for a delegated device code sign-in).
Optional GRAPH_TIMEZONE (IANA, default UTC), and for a national cloud GRAPH_URL, GRAPH_AUTHORITY_HOST and
GRAPH_CA_FILE (the docs tests point these at the Graph emulator). See docs/graph.md. The tests create, change and delete their own
items only (their subjects carry a random marker).
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from syncore.models import Body, Contact, Event, Kind, Task
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest

pytestmark = pytest.mark.live_graph

_ENV = {name: os.environ.get(name) for name in ("GRAPH_TENANT", "GRAPH_CLIENT_ID", "GRAPH_MAILBOX",
                                                  "GRAPH_CLIENT_SECRET", "GRAPH_SIGN_IN_CACHE", "GRAPH_TIMEZONE",
                                                  "GRAPH_URL", "GRAPH_AUTHORITY_HOST", "GRAPH_CA_FILE")}
if not (_ENV["GRAPH_TENANT"] and _ENV["GRAPH_CLIENT_ID"] and (
        (_ENV["GRAPH_CLIENT_SECRET"] and _ENV["GRAPH_MAILBOX"]) or _ENV["GRAPH_SIGN_IN_CACHE"])):
    pytest.skip("set GRAPH_TENANT, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET + GRAPH_MAILBOX or GRAPH_SIGN_IN_CACHE "
                "to run live Graph tests", allow_module_level=True)

APP_ONLY = bool(_ENV["GRAPH_CLIENT_SECRET"])


@pytest.fixture(scope="module")
def adapter():
    from syncore_graph import GraphAdapter, GraphOptions

    hosts = {name: _ENV[variable] for name, variable in (("graph_url", "GRAPH_URL"),
                                                          ("authority_host", "GRAPH_AUTHORITY_HOST"),
                                                          ("ca_file", "GRAPH_CA_FILE")) if _ENV[variable]}
    sign_in = {"sign_in_cache": _ENV["GRAPH_SIGN_IN_CACHE"]} if _ENV["GRAPH_SIGN_IN_CACHE"] else {}
    options = GraphOptions(auth="app" if APP_ONLY else "device_code", tenant=_ENV["GRAPH_TENANT"],
                           client_id=_ENV["GRAPH_CLIENT_ID"], mailbox=_ENV["GRAPH_MAILBOX"],
                           timezone=_ENV["GRAPH_TIMEZONE"] or "UTC", **sign_in, **hosts)
    credentials = {"client_secret": _ENV["GRAPH_CLIENT_SECRET"]} if APP_ONLY else {}
    adapter = GraphAdapter.connect(options, credentials)
    yield adapter
    adapter.close()


def test_live_event_round_trip_feed_link_and_conflict(adapter):
    marker = uuid.uuid4().hex[:8]
    start = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=7)
    event = Event(subject=f"syncore live {marker}", start=start, end=start + timedelta(hours=1),
                  body=Body(html="<html><body><p>Agenda: <b>pricing</b></p></body></html>"))
    scan = adapter.full_scan(Kind.EVENT)
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="c", record=event, link=f"00U{marker}AAAAAAA")])
    assert created.ok, created.error
    try:
        stored = adapter.fetch(Kind.EVENT, [created.id])[created.id]
        assert stored.record.start == start and stored.record.body.is_formatted
        assert stored.link == f"00U{marker}AAAAAAA"
        assert adapter.find_by_link(Kind.EVENT, [f"00U{marker}AAAAAAA"])[f"00U{marker}AAAAAAA"].id == created.id
        feed = adapter.changes(Kind.EVENT, scan.cursor)
        assert created.id in {u.id for u in feed.upserts}
        (updated,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="u", id=created.id, base_version=created.version,
                                                               record=event.replace(subject=f"moved {marker}"),
                                                               fields=frozenset({"subject"}))])
        assert updated.ok, updated.error
        (stale,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="s", id=created.id, base_version=created.version,
                                                             record=event, fields=frozenset({"subject"}))])
        assert type(stale.error).__name__ == "VersionMismatch"
    finally:
        adapter.delete(Kind.EVENT, [DeleteRequest(ref="d", id=created.id)])
    assert adapter.fetch(Kind.EVENT, [created.id]) == {}


def test_live_contact_and_task_round_trips(adapter):
    marker = uuid.uuid4().hex[:8]
    records = [(Kind.CONTACT, Contact(first_name="Live", last_name=f"Test {marker}", email=f"{marker}@example.com"))]
    if Kind.TASK in adapter.capabilities.kinds:
        records.append((Kind.TASK, Task(subject=f"syncore live {marker}", due=(datetime.now(UTC) + timedelta(days=3)).date())))
    for kind, record in records:
        (created,) = adapter.create(kind, [CreateRequest(ref="c", record=record, link=f"003{marker}AAAAAAA")])
        assert created.ok, created.error
        try:
            assert adapter.fetch(kind, [created.id])[created.id].record == adapter.represent(record)
        finally:
            adapter.delete(kind, [DeleteRequest(ref="d", id=created.id)])


def test_live_series_round_trip_with_a_moved_and_a_cancelled_occurrence(adapter):
    """The series path against real Graph: one master with its pattern in Europe/Berlin, one occurrence cancelled
    (DELETE of its instance; the series has no attendees, so nobody is told) and one moved (PATCH), read back as
    the same series; then one more occurrence cancelled through its occurrence id."""
    from zoneinfo import ZoneInfo

    from syncore.occurrences import occurrence_id
    from syncore.recurrence import Override, Recurrence
    from syncore.series import Series, Window

    marker = uuid.uuid4().hex[:8]
    berlin = ZoneInfo("Europe/Berlin")
    day = (datetime.now(UTC) + timedelta(days=7)).astimezone(berlin).date()
    day += timedelta(days=(7 - day.weekday()) % 7)
    first = datetime(day.year, day.month, day.day, 9, tzinfo=berlin)
    keys = [first + timedelta(days=7 * n) for n in range(5)]
    series = Event(subject=f"syncore live series {marker}", start=first, end=first + timedelta(minutes=30),
                   recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=5", zone="Europe/Berlin", exdates=[keys[2]],
                                         overrides=[Override(original_start=keys[1], start=keys[1] + timedelta(hours=2),
                                                             end=keys[1] + timedelta(hours=2, minutes=30))]))
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="s", record=series)])
    assert created.ok, created.error
    try:
        assert adapter.fetch(Kind.EVENT, [created.id])[created.id].record == adapter.represent(series)
        (cancelled,) = adapter.delete(Kind.EVENT, [DeleteRequest(ref="d", id=occurrence_id(created.id, keys[3]))])
        assert cancelled.ok, cancelled.error
        stored = adapter.fetch(Kind.EVENT, [created.id])[created.id].record
        assert set(stored.recurrence.exdates) == {keys[2], keys[3]}
        shown = [o.event.start for o in Series(stored).expand(Window(day, day + timedelta(days=40)))]
        assert shown == [keys[0], keys[1] + timedelta(hours=2), keys[4]]
    finally:
        adapter.delete(Kind.EVENT, [DeleteRequest(ref="d", id=created.id)])
