"""Updates are conditional on the version they were planned against (syncore_salesforce._conditional).

Salesforce has no conditional write for a batch of Events, Tasks or Contacts (If-Match: sObject Rows of Account
records only; If-Unmodified-Since: sObject Rows, one record per request, whole seconds;
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_rest_conditional_requests.htm;
sObject Collections document none). The adapter reads each batch's targets right before the PATCH and writes
only the records whose version has not moved. Counts are read from the emulator's request log; the protocol
limits are stated as literals (200 records per collections PATCH, 2,000 ids per collections retrieve).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sfadapter_support import T0, make_adapter

from syncore.errors import NotFound, TransientError, VersionMismatch
from syncore.models import Contact, Event, Kind
from syncore.remote import CreateRequest, UpdateRequest


def _events(n: int) -> list[Event]:
    return [Event(subject=f"Event {i}", start=T0 + timedelta(days=1, minutes=i),
                  end=T0 + timedelta(days=1, minutes=i + 30), location="Room 1") for i in range(n)]


def _created(adapter, kind: Kind, records) -> dict[str, object]:
    """Create ``records``; the records as read back, by id (their versions are what a plan reads)."""
    outcomes = []
    for start in range(0, len(records), 200):
        outcomes += adapter.create(kind, [CreateRequest(ref=str(i), record=r)
                                          for i, r in enumerate(records[start : start + 200], start)])
    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok][:1]
    ids = [o.id for o in outcomes]
    found = adapter.fetch(kind, ids)
    return {native_id: found[native_id] for native_id in ids}


def _updates(read: dict[str, object], field: str, value: str) -> list[UpdateRequest]:
    return [UpdateRequest(ref=f"u{i}", id=native_id, record=item.record.replace(**{field: f"{value} {i}"}),
                          fields=frozenset({field}), base_version=item.version)
            for i, (native_id, item) in enumerate(read.items())]


def test_a_batch_of_200_updates_costs_one_read_and_one_patch(emu):
    adapter = make_adapter(emu)
    read = _created(adapter, Kind.EVENT, _events(201))
    first_200 = dict(list(read.items())[:200])
    emu.reset_log()
    outcomes = adapter.update(Kind.EVENT, _updates(first_200, "subject", "Renamed"))
    assert all(o.ok for o in outcomes)
    assert emu.request_counts() == {"composite_retrieve": 1, "composite_update": 1}
    # a batch of 1 costs the same two requests (the adapter takes at most 200 per call: capabilities)
    emu.reset_log()
    (last,) = adapter.update(Kind.EVENT, _updates(dict(list(read.items())[200:]), "subject", "Renamed"))
    assert last.ok and emu.request_counts() == {"composite_retrieve": 1, "composite_update": 1}


def test_a_contact_batch_is_checked_with_one_soql_query(emu):
    adapter = make_adapter(emu)
    read = _created(adapter, Kind.CONTACT, [Contact(first_name="Ann", last_name=f"Lee {i}")
                                            for i in range(200)])
    emu.reset_log()
    outcomes = adapter.update(Kind.CONTACT, _updates(read, "title", "Director"))
    assert all(o.ok for o in outcomes)
    assert emu.request_counts() == {"query": 1, "composite_update": 1}


def test_updates_without_a_planned_version_are_not_read_first(emu):
    adapter = make_adapter(emu)
    read = _created(adapter, Kind.EVENT, _events(3))
    emu.reset_log()
    requests = [UpdateRequest(ref=r.ref, id=r.id, record=r.record, fields=r.fields)
                for r in _updates(read, "subject", "Renamed")]
    assert all(o.ok for o in adapter.update(Kind.EVENT, requests))
    assert emu.request_counts() == {"composite_update": 1}


def test_a_record_edited_since_it_was_read_is_refused_and_the_rest_written_in_the_same_patch(emu):
    adapter = make_adapter(emu)
    read = _created(adapter, Kind.EVENT, _events(3))
    edited = list(read)[1]
    emu.update("Event", edited, {"Subject": "Edited in Salesforce"})
    emu.reset_log()
    outcomes = adapter.update(Kind.EVENT, _updates(read, "subject", "From Outlook"))
    assert [o.ok for o in outcomes] == [True, False, True]
    assert isinstance(outcomes[1].error, VersionMismatch)
    assert outcomes[1].error.code == "CHANGED_SINCE_READ" and "since it was read" in str(outcomes[1].error)
    assert emu.request_counts() == {"composite_retrieve": 1, "composite_update": 1}
    subjects = [emu.get("Event", native_id)["Subject"] for native_id in read]
    assert subjects == ["From Outlook 0", "Edited in Salesforce", "From Outlook 2"]


def test_an_edit_of_a_field_syncore_does_not_sync_is_no_conflict(emu):
    adapter = make_adapter(emu)
    read = _created(adapter, Kind.EVENT, _events(1))
    (native_id,) = read
    emu.update("Event", native_id, {"Type": "Meeting"})  # not a synced field: the content version stays
    (outcome,) = adapter.update(Kind.EVENT, _updates(read, "subject", "From Outlook"))
    assert outcome.ok, outcome.error
    assert emu.get("Event", native_id)["Subject"] == "From Outlook 0"


def test_a_changed_record_that_already_holds_the_values_is_done_without_a_write(emu):
    adapter = make_adapter(emu)
    read = _created(adapter, Kind.EVENT, _events(1))
    (native_id,) = read
    # the same edit made in Salesforce (or an earlier write of ours whose answer was lost), plus another field
    emu.update("Event", native_id, {"Subject": "Same edit 0", "Location": "Room 7"})
    emu.reset_log()
    (request,) = _updates(read, "subject", "Same edit")
    (outcome,) = adapter.update(Kind.EVENT, [request])
    assert outcome.ok and emu.request_counts() == {"composite_retrieve": 1}
    # reported as the write would have been, not as what Salesforce holds: the next read sees the location move
    assert outcome.version != adapter.fetch(Kind.EVENT, [native_id])[native_id].version
    assert emu.get("Event", native_id)["Location"] == "Room 7"


def test_a_failed_check_before_anything_was_written_fails_the_call_and_writes_nothing(emu):
    adapter = make_adapter(emu, max_retries=0)
    read = _created(adapter, Kind.EVENT, _events(2))
    emu.faults.server_error(1, status=503, op="composite_retrieve")
    emu.reset_log()
    with pytest.raises(TransientError):
        adapter.update(Kind.EVENT, _updates(read, "subject", "Never"))
    assert emu.count("composite_update") == 0
    assert {emu.get("Event", native_id)["Subject"] for native_id in read} == {"Event 0", "Event 1"}


def test_a_record_deleted_since_it_was_read_is_not_found(emu):
    adapter = make_adapter(emu)
    read = _created(adapter, Kind.EVENT, _events(2))
    gone, kept = list(read)
    emu.delete("Event", gone)
    outcomes = adapter.update(Kind.EVENT, _updates(read, "subject", "From Outlook"))
    assert isinstance(outcomes[0].error, NotFound) and outcomes[1].ok
    assert emu.get("Event", kept)["Subject"] == "From Outlook 1"
