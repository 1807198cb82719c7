"""What the Graph adapter reads and writes: zones, all-day dates, bodies, attendees, series, the window,
links, list entries of contacts, To Do specifics, request headers and concurrency."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from syncore.models import Body, Contact, Event, Kind, Task, TaskStatus
from syncore.remote import CreateRequest, UpdateRequest

NOW = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)
SOON = (NOW + timedelta(days=3)).date()


def _wall(day: date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00"


def test_every_request_and_sub_request_asks_for_immutable_ids_and_utc(emu, adapter):
    adapter.create(Kind.EVENT, [CreateRequest(ref="1", record=Event(subject="x", start=NOW + timedelta(days=1),
                                                                    end=NOW + timedelta(days=1, hours=1)))])
    adapter.full_scan(Kind.EVENT)
    graph_calls = [r for r in emu.requests if r.path.startswith("/v1.0")] + emu.subrequests
    assert graph_calls and all('IdType="ImmutableId"' in " ".join(r.prefer) and 'outlook.timezone="UTC"' in
                               " ".join(r.prefer) for r in graph_calls)


def test_events_made_by_other_clients_in_windows_zones_read_as_utc_instants_and_dates(emu, adapter):
    timed = emu.create("event", {"subject": "Call", "start": {"dateTime": _wall(SOON, 9), "timeZone": "Pacific Standard Time"},
                                 "end": {"dateTime": _wall(SOON, 10), "timeZone": "Pacific Standard Time"}})
    all_day = emu.create("event", {"subject": "Holiday", "isAllDay": True,
                                   "start": {"dateTime": _wall(SOON, 0), "timeZone": "Tokyo Standard Time"},
                                   "end": {"dateTime": _wall(SOON + timedelta(days=2), 0), "timeZone": "Tokyo Standard Time"}})
    records = {r.id: r.record for r in adapter.full_scan(Kind.EVENT).upserts}
    start = datetime.fromisoformat(_wall(SOON, 9)).replace(tzinfo=ZoneInfo("America/Los_Angeles"))
    assert records[timed["id"]].start == start.astimezone(UTC)
    assert records[all_day["id"]].start == SOON and records[all_day["id"]].end == SOON + timedelta(days=2)


def test_new_events_are_written_in_the_users_zone_and_all_day_ones_as_its_midnights(emu, make_adapter):
    adapter = make_adapter(timezone="America/New_York")
    start = datetime(SOON.year, SOON.month, SOON.day, 15, tzinfo=UTC)
    outcomes = adapter.create(Kind.EVENT, [
        CreateRequest(ref="t", record=Event(subject="timed", start=start, end=start + timedelta(hours=1))),
        CreateRequest(ref="d", record=Event(subject="day", start=SOON, end=SOON + timedelta(days=1)))])
    timed, day = (emu.get(o.id) for o in outcomes)
    assert timed["originalStartTimeZone"] == "Eastern Standard Time"
    assert day["originalStartTimeZone"] == "Eastern Standard Time" and day["isAllDay"] is True
    fetched = adapter.fetch(Kind.EVENT, [o.id for o in outcomes])
    assert fetched[outcomes[0].id].record.start == start
    assert (fetched[outcomes[1].id].record.start, fetched[outcomes[1].id].record.end) == (SOON, SOON + timedelta(days=1))


def test_formatted_bodies_are_kept_and_plain_ones_are_plain(emu, adapter):
    html = "<html><body><p>Agenda: <b>pricing</b></p></body></html>"
    formatted = emu.create("event", {"subject": "f", "body": {"contentType": "html", "content": html},
                                     "start": {"dateTime": _wall(SOON, 9), "timeZone": "UTC"},
                                     "end": {"dateTime": _wall(SOON, 10), "timeZone": "UTC"}})
    plain = emu.create("event", {"subject": "p", "body": {"contentType": "text", "content": "just text"},
                                 "start": {"dateTime": _wall(SOON, 9), "timeZone": "UTC"},
                                 "end": {"dateTime": _wall(SOON, 10), "timeZone": "UTC"}})
    records = adapter.fetch(Kind.EVENT, [formatted["id"], plain["id"]])
    assert records[formatted["id"]].record.body.is_formatted and records[formatted["id"]].record.body.html == html
    assert records[plain["id"]].record.body == Body(text="just text")
    assert not records[plain["id"]].record.body.is_formatted


def test_attendees_are_read_like_exchanges_required_attendees(emu, adapter):
    """Required attendees' addresses, as the Exchange adapter reads RequiredAttendees: optional ones and
    resources are left out, the organizer (Graph's ``organizer``) is not added, blanks are skipped."""
    meeting = emu.create("event", {
        "subject": "Pricing", "start": {"dateTime": _wall(SOON, 9), "timeZone": "UTC"},
        "end": {"dateTime": _wall(SOON, 10), "timeZone": "UTC"},
        "attendees": [
            {"emailAddress": {"address": "Zed@Customer.example", "name": "Zed"}, "type": "required"},
            {"emailAddress": {"address": "ann@customer.example"}, "type": "required"},
            {"emailAddress": {"address": "maybe@customer.example"}, "type": "optional"},
            {"emailAddress": {"address": "room4@example.com", "name": "Room 4"}, "type": "resource"},
            {"emailAddress": {"address": "  "}, "type": "required"},
        ]})
    assert meeting["organizer"]["emailAddress"]["address"] == "user@example.com"
    record = adapter.fetch(Kind.EVENT, [meeting["id"]])[meeting["id"]].record
    assert record.attendees == ("ann@customer.example", "zed@customer.example")
    # the delta round reads them the same way
    (found,) = [u.record for u in adapter.full_scan(Kind.EVENT).upserts if u.id == meeting["id"]]
    assert found.attendees == ("ann@customer.example", "zed@customer.example")
    # held as read: the engine compares this side's attendees as they are
    assert adapter.represent(record) == record


def test_attendees_are_a_read_only_field_and_never_written(emu, adapter):
    """Graph sends meeting requests for an event written with attendees: the adapter declares them read-only
    (the engine never asks for them) and leaves them out of any write it is asked for, with a warning."""
    assert adapter.capabilities.read_only_fields == frozenset({"attendees"})
    assert "attendees" not in adapter.capabilities.write_only_fields
    start = NOW + timedelta(days=2)
    event = Event(subject="Customer meeting", start=start, end=start + timedelta(hours=1),
                  attendees=("customer@example.org",))
    (outcome,) = adapter.create(Kind.EVENT, [CreateRequest(ref="1", record=event)])
    assert outcome.ok and any("meeting requests" in w for w in outcome.warnings)
    (update,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="u", id=outcome.id, record=event.replace(
        attendees=("customer@example.org", "boss@example.org")), fields=frozenset({"attendees"}),
        base_version=outcome.version)])
    assert update.ok and update.warnings
    assert emu.invitations() == [] and emu.get(outcome.id)["attendees"] == []
    sent = [r.body for r in emu.requests + emu.subrequests if isinstance(r.body, dict)]
    assert sent and not any("attendees" in body for body in sent)
    assert not any("attendees" in str(r.body) for r in emu.requests + emu.subrequests)


def test_a_moved_window_starts_a_new_round_and_removals_outside_it_are_not_deletions(emu, make_adapter):
    clock = [NOW]
    adapter = make_adapter(clock=lambda: clock[0], past_days=7, future_days=30)
    near = emu.create("event", {"subject": "near", "start": {"dateTime": _wall(SOON, 9), "timeZone": "UTC"},
                                "end": {"dateTime": _wall(SOON, 10), "timeZone": "UTC"}})
    gone = emu.create("event", {"subject": "gone", "start": {"dateTime": _wall(SOON, 11), "timeZone": "UTC"},
                                "end": {"dateTime": _wall(SOON, 12), "timeZone": "UTC"}})
    scan = adapter.full_scan(Kind.EVENT)
    far = SOON + timedelta(days=90)
    emu.update(near["id"], {"start": {"dateTime": _wall(far, 9), "timeZone": "UTC"},
                            "end": {"dateTime": _wall(far, 10), "timeZone": "UTC"}})
    emu.delete(gone["id"])
    feed = adapter.changes(Kind.EVENT, scan.cursor)
    # both came as @removed; the one that still exists is a change (moved out of the window), not a deletion
    assert feed.deletions == (gone["id"],)
    assert [u.id for u in feed.upserts] == [near["id"]] and feed.upserts[0].record.start.date() == far
    # deleted just before the window moves: the old round is finished first, so the deletion is not lost
    later = emu.create("event", {"subject": "later", "start": {"dateTime": _wall(SOON, 13), "timeZone": "UTC"},
                                 "end": {"dateTime": _wall(SOON, 14), "timeZone": "UTC"}})
    feed = adapter.changes(Kind.EVENT, feed.cursor)
    emu.delete(later["id"])
    clock[0] = NOW + timedelta(days=14)
    moved = adapter.changes(Kind.EVENT, feed.cursor)
    assert not moved.complete and moved.cursor != feed.cursor
    assert moved.deletions == (later["id"],)
    assert emu.count("event_delta", query=lambda q: "startDateTime" in q) == 2


def test_full_scans_carry_links_and_find_by_link_finds_each_kind(emu, adapter):
    for kind, record in ((Kind.EVENT, Event(subject="e", start=NOW + timedelta(days=1), end=NOW + timedelta(days=1, hours=1))),
                         (Kind.CONTACT, Contact(first_name="Ada", last_name="Lovelace")),
                         (Kind.TASK, Task(subject="t"))):
        (outcome,) = adapter.create(kind, [CreateRequest(ref="1", record=record, link="00U5e000001AbCdEAA")])
        assert [u.link for u in adapter.full_scan(kind).upserts] == ["00U5e000001AbCdEAA"]
        assert adapter.find_by_link(kind, ["00U5e000001AbCdEAA", "00U5e000009ZzZzZAA"])["00U5e000001AbCdEAA"].id == outcome.id


def test_contact_updates_keep_the_addresses_and_phones_syncore_does_not_own(emu, adapter):
    created = emu.create("contact", {"givenName": "Dana", "surname": "Scully",
                                     "emailAddresses": [{"address": "dana@fbi.example"}, {"address": "dana@home.example"}],
                                     "businessPhones": ["+1 202 555 0100", "+1 202 555 0101"]})
    record = adapter.fetch(Kind.CONTACT, [created["id"]])[created["id"]]
    assert record.record.email == "dana@fbi.example" and record.record.phone == "+1 202 555 0100"
    (outcome,) = adapter.update(Kind.CONTACT, [UpdateRequest(ref="u", id=created["id"], base_version=record.version,
                                                             record=record.record.replace(email="dana@xfiles.example",
                                                                                          phone="+1 202 555 0199"),
                                                             fields=frozenset({"email", "phone"}))])
    assert outcome.ok, outcome.error
    stored = emu.get(created["id"])
    assert [e["address"] for e in stored["emailAddresses"]] == ["dana@xfiles.example", "dana@home.example"]
    assert stored["businessPhones"] == ["+1 202 555 0199", "+1 202 555 0101"]


def test_todo_tasks_due_dates_completion_and_privacy(emu, make_adapter):
    adapter = make_adapter(timezone="Asia/Tokyo")
    task = Task(subject="Send proposal", due=SOON, private=True)
    (outcome,) = adapter.create(Kind.TASK, [CreateRequest(ref="1", record=task)])
    assert any("cannot be private" in w for w in outcome.warnings)
    assert adapter.represent(task).private is False
    stored = adapter.fetch(Kind.TASK, [outcome.id])[outcome.id]
    assert stored.record.due == SOON and stored.record.private is False
    done = task.replace(status=TaskStatus.COMPLETED, completed_at=NOW)
    (updated,) = adapter.update(Kind.TASK, [UpdateRequest(ref="u", id=outcome.id, record=done, base_version=stored.version,
                                                          fields=frozenset({"status"}))])
    assert updated.ok, updated.error
    again = adapter.fetch(Kind.TASK, [outcome.id])[outcome.id].record
    assert again.status is TaskStatus.COMPLETED and again.completed_at == NOW


def test_native_id_shapes(adapter):
    assert adapter.is_native_id(Kind.EVENT, "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AnMXWfCTtqUe-kKDs3tR8WAAAAAANAAA=")
    assert not adapter.is_native_id(Kind.EVENT, "00U5e000001AbCdEAA'") and not adapter.is_native_id(Kind.EVENT, "short")
    assert not adapter.is_native_id(Kind.EVENT, "has spaces in it and more text")


def test_at_most_four_requests_are_in_flight_per_mailbox(emu, adapter):
    adapter.client.tokens.token()
    emu.processing_delay = 0.05
    start = NOW + timedelta(days=1)
    outcomes = adapter.create(Kind.EVENT, [CreateRequest(ref=str(i), record=Event(
        subject=f"E{i}", start=start, end=start + timedelta(hours=1))) for i in range(100)])
    assert all(o.ok for o in outcomes) and emu.count("batch") == 5
    assert 1 < emu.peak_concurrency <= 4


def test_contact_rounds_select_the_mapped_properties_and_task_rounds_expand_links(emu, adapter):
    emu.create("contact", {"givenName": "Ada", "surname": "Lovelace", "nickName": "not mapped"})
    scan = adapter.full_scan(Kind.CONTACT)
    assert scan.upserts[0].record.first_name == "Ada"
    (first,) = [r for r in emu.requests if r.operation == "contact_delta"]
    assert "givenName" in first.query["$select"] and "nickName" not in first.query["$select"]
    adapter.full_scan(Kind.TASK)
    (task_round,) = [r for r in emu.requests if r.operation == "task_delta"]
    assert task_round.query == {"$expand": "linkedResources"}
