"""Writes: per-item outcomes, NeverOverwrite conflicts, the bulk abort, missing items, link recovery, blind updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from exchangelib import EWSDate, EWSTimeZone
from exchangelib.recurrence import Recurrence, WeeklyPattern
from lxml import etree

from syncore.errors import NotFound, RecordRejected, VersionMismatch
from syncore.models import Kind
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest
from syncore.testing.samples import sample_record
from syncore_exchange import ExchangeAdapter
from syncore_exchange.emulator import EwsEmulator, clear_protocol_cache

NOW = datetime(2031, 3, 3, 8, tzinfo=UTC)


def _create(adapter, kind, n=3):
    outcomes = adapter.create(kind, [CreateRequest(ref=str(i), record=sample_record(kind, i, now=NOW), link=f"L{i}")
                                     for i in range(n)])
    assert all(o.ok for o in outcomes)
    return outcomes


def _renamed(adapter, kind, outcomes, text="renamed"):
    current = adapter.fetch(kind, [o.id for o in outcomes])
    return [UpdateRequest(ref=o.ref, id=o.id, record=current[o.id].record.replace(subject=f"{text} {o.ref}"),
                          fields=frozenset({"subject"}), base_version=o.version) for o in outcomes]


def test_updates_are_never_overwrite_with_the_planned_change_key(emu, adapter):
    outcomes = _create(adapter, Kind.EVENT)
    emu.reset_log()
    results = adapter.update(Kind.EVENT, _renamed(adapter, Kind.EVENT, outcomes))
    assert all(r.ok for r in results)
    (update,) = [r for r in emu.requests if r.operation == "UpdateItem"]
    assert update.attrs["ConflictResolution"] == "NeverOverwrite" and update.item_count == 3
    assert [r.version for r in results] == [emu.get_item(o.id)["changekey"] for o in outcomes]


def test_stale_change_key_is_a_version_mismatch_and_the_others_are_written(emu, adapter):
    outcomes = _create(adapter, Kind.EVENT)
    requests = _renamed(adapter, Kind.EVENT, outcomes)
    emu.update_item(outcomes[1].id, {"Location": "edited in Outlook meanwhile"})
    results = adapter.update(Kind.EVENT, requests)
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, VersionMismatch)
    items = {o.id: emu.get_item(o.id)["fields"] for o in outcomes}
    assert items[outcomes[1].id]["Subject"] == "Meeting 1"  # not overwritten
    assert items[outcomes[1].id]["Location"] == "edited in Outlook meanwhile"
    assert [items[outcomes[i].id]["Subject"] for i in (0, 2)] == ["renamed 0", "renamed 2"]


def test_spontaneous_change_key_bump_is_a_version_mismatch(emu, adapter):
    (outcome,) = _create(adapter, Kind.TASK, 1)
    (request,) = _renamed(adapter, Kind.TASK, [outcome])
    emu.bump_changekey(outcome.id)
    (result,) = adapter.update(Kind.TASK, [request])
    assert isinstance(result.error, VersionMismatch)


def _title_requests(adapter, outcomes):
    current = adapter.fetch(Kind.CONTACT, [o.id for o in outcomes])
    return [UpdateRequest(ref=o.ref, id=o.id, record=current[o.id].record.replace(title=f"T{o.ref}"),
                          fields=frozenset({"title"}), base_version=o.version) for o in outcomes]


def test_irresolvable_conflict_aborting_the_batch_loses_no_other_result(emu, adapter):
    outcomes = _create(adapter, Kind.CONTACT, 4)
    requests = _title_requests(adapter, outcomes)
    # the server keeps answering item 1 with ErrorIrresolvableConflict; exchangelib raises it for the whole call
    emu.faults.item_error("ErrorIrresolvableConflict", item_ids=[outcomes[1].id], op="UpdateItem")
    emu.reset_log()
    results = adapter.update(Kind.CONTACT, requests)
    assert [r.ok for r in results] == [True, False, True, True]
    assert isinstance(results[1].error, VersionMismatch)
    for i in (0, 2, 3):
        stored = emu.get_item(outcomes[i].id)
        assert stored["fields"]["JobTitle"] == f"T{i}" and results[i].version == stored["changekey"]
    assert emu.get_item(outcomes[1].id)["fields"]["JobTitle"] == "Engineer"  # left as it was
    # one batch, then only the refused item again on its own (the saved ones are recognised, not resent)
    assert [u.item_count for u in emu.requests if u.operation == "UpdateItem"] == [4, 1]


def test_spurious_conflict_is_retried_alone_and_succeeds(emu, adapter):
    outcomes = _create(adapter, Kind.CONTACT, 3)
    requests = _title_requests(adapter, outcomes)
    emu.faults.item_error("ErrorIrresolvableConflict", item_ids=[outcomes[1].id], op="UpdateItem", n=1)
    results = adapter.update(Kind.CONTACT, requests)
    assert all(r.ok for r in results)
    assert [emu.get_item(o.id)["fields"]["JobTitle"] for o in outcomes] == ["T0", "T1", "T2"]
    assert [r.version for r in results] == [emu.get_item(o.id)["changekey"] for o in outcomes]


def test_per_item_create_errors_and_missing_items(emu, adapter):
    emu.faults.item_error("ErrorItemSave", subjects=["Follow up 1"], op="CreateItem")
    results = adapter.create(Kind.TASK, [CreateRequest(ref=str(i), record=sample_record(Kind.TASK, i, now=NOW))
                                         for i in range(3)])
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, RecordRejected) and results[1].error.code == "ErrorItemSave"
    assert len(emu.items("tasks")) == 2
    gone = results[0].id
    adapter.delete(Kind.TASK, [DeleteRequest(ref="d", id=gone)])
    (again,) = adapter.delete(Kind.TASK, [DeleteRequest(ref="d", id=gone)])
    assert again.ok and again.id == gone, "already gone is what a delete asks for"
    (update,) = adapter.update(Kind.TASK, [UpdateRequest(ref="u", id=gone, record=sample_record(Kind.TASK, 0, now=NOW),
                                                         fields=frozenset({"subject"}))])
    assert isinstance(update.error, NotFound)


def test_fetch_leaves_out_items_the_server_reports_missing(emu, adapter):
    outcomes = _create(adapter, Kind.EVENT, 2)
    emu.faults.item_error("ErrorItemNotFound", item_ids=[outcomes[0].id], op="GetItem", n=1)
    assert set(adapter.fetch(Kind.EVENT, [o.id for o in outcomes])) == {outcomes[1].id}


@pytest.mark.parametrize("code", ["ErrorInvalidPropertySet", "ErrorSomethingExchangeAddsNextYear"])
def test_a_refused_item_fails_only_its_own_create(emu, adapter, code):
    # exchangelib raises ErrorInvalidPropertySet, and any code it does not know, for the whole call although
    # the server created the other items; the adapter keeps every item's own answer.
    emu.faults.item_error(code, subjects=["Meeting 1"], op="CreateItem", n=1)
    results = adapter.create(Kind.EVENT, [CreateRequest(ref=str(i), record=sample_record(Kind.EVENT, i, now=NOW),
                                                        link=f"L{i}") for i in range(3)])
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, RecordRejected) and results[1].error.code == code
    assert "'Meeting 1'" in str(results[1].error)  # named by its subject
    items = emu.items("calendar")
    assert sorted(i["fields"]["Subject"] for i in items) == ["Meeting 0", "Meeting 2"]
    assert {results[0].id, results[2].id} == {i["id"] for i in items}
    assert emu.count("CreateItem") == 1


def test_find_by_link_is_one_finditem_restricted_on_the_link_property(emu, adapter):
    outcomes = _create(adapter, Kind.TASK, 3)
    emu.reset_log()
    found = adapter.find_by_link(Kind.TASK, ["L0", "L2", "missing"])
    assert {link: r.id for link, r in found.items()} == {"L0": outcomes[0].id, "L2": outcomes[2].id}
    (find,) = [r for r in emu.requests if r.operation == "FindItem"]
    assert "SyncoreLink" in find.attrs["Restriction"] and "PublicStrings" in find.attrs["Restriction"]
    assert emu.request_counts() == {"FindItem": 1, "GetItem": 1}


# -- blind updates: no GetItem first, indexed entries written per label ------------------------------------
def _contact_with_every_label(emu, adapter):
    item_id = emu.create_item(folder="contacts", fields={
        "DisplayName": "Ann Lee", "GivenName": "Ann", "Surname": "Lee",
        "PhoneNumbers": {"BusinessPhone": "+1 111", "MobilePhone": "+1 222", "HomePhone": "+1 333"},
        "EmailAddresses": {"EmailAddress1": "ann@example.com", "EmailAddress2": "ann@home.example"},
        "PhysicalAddresses": {"Business": {"Street": "Main 1", "City": "Oslo"}, "Home": {"City": "Bergen"}}})
    return adapter.fetch(Kind.CONTACT, [item_id])[item_id]


def _blind_update(emu, adapter, current, *fields, **values):
    emu.reset_log()
    (outcome,) = adapter.update(Kind.CONTACT, [UpdateRequest(
        ref="u", id=current.id, record=current.record.replace(**values), fields=frozenset(fields),
        base_version=current.version)])
    assert outcome.ok, outcome.error
    assert emu.request_counts() == {"UpdateItem": 1}  # the item's other entries were never read
    return adapter.fetch(Kind.CONTACT, [current.id])[current.id], emu.get_item(current.id)["fields"]


def test_blind_update_of_mapped_entries_keeps_the_unmapped_labels(emu, adapter):
    current = _contact_with_every_label(emu, adapter)
    _, fields = _blind_update(emu, adapter, current, "phone", "mobile_phone", "email", "mailing_city",
                              phone="+1 999", mobile_phone="+1 888", email="ann@work.example", mailing_city="Bergen")
    assert fields["PhoneNumbers"] == {"BusinessPhone": "+1 999", "MobilePhone": "+1 888", "HomePhone": "+1 333"}
    assert fields["EmailAddresses"] == {"EmailAddress1": "ann@work.example", "EmailAddress2": "ann@home.example"}
    assert fields["PhysicalAddresses"] == {"Business": {"Street": "Main 1", "City": "Bergen"},
                                           "Home": {"City": "Bergen"}}


def test_clearing_a_mapped_field_deletes_only_that_label(emu, adapter):
    current = _contact_with_every_label(emu, adapter)
    current, fields = _blind_update(emu, adapter, current, "phone", "email", "mailing_street",
                                    phone="", email="", mailing_street="")
    assert fields["PhoneNumbers"] == {"MobilePhone": "+1 222", "HomePhone": "+1 333"}
    assert fields["EmailAddresses"] == {"EmailAddress2": "ann@home.example"}
    # one part of the Business address cleared: its other parts and the Home address stay
    assert fields["PhysicalAddresses"] == {"Business": {"City": "Oslo"}, "Home": {"City": "Bergen"}}
    assert (current.record.phone, current.record.email, current.record.mailing_city) == ("", "", "Oslo")
    _, fields = _blind_update(emu, adapter, current, "mailing_city", "mobile_phone", mailing_city="", mobile_phone="")
    assert fields["PhysicalAddresses"] == {"Home": {"City": "Bergen"}}
    assert fields["PhoneNumbers"] == {"HomePhone": "+1 333"}


def test_blind_update_sends_only_the_owned_entries():
    # wire check: no SetItemField/DeleteItemField for a label syncore does not map (a real server would apply it)
    with EwsEmulator(mailboxes=["user@example.com"], record_xml=True) as emu:
        adapter = ExchangeAdapter(emu.account(default_timezone=EWSTimeZone("UTC")), sleep=lambda s: None)
        current = _contact_with_every_label(emu, adapter)
        _blind_update(emu, adapter, current, "phone", "email", "mailing_city", phone="", email="x@example.com",
                      mailing_city="Bergen")
        (update,) = [r for r in emu.requests if r.operation == "UpdateItem"]
        xml = etree.fromstring(update.request_xml)
        indexed = {(u.getparent().tag.split("}")[1], u.get("FieldURI"), u.get("FieldIndex"))
                   for u in xml.iter("{*}IndexedFieldURI")}
        assert {index for _, _, index in indexed} == {"BusinessPhone", "EmailAddress1", "Business"}
        assert ("DeleteItemField", "contacts:PhoneNumber", "BusinessPhone") in indexed
        # the Business address travels as one entry: filled parts set, empty parts deleted
        assert ("SetItemField", "contacts:PhysicalAddress:City", "Business") in indexed
        assert ("SetItemField", "contacts:PhysicalAddress:Street", "Business") in indexed
        assert ("DeleteItemField", "contacts:PhysicalAddress:State", "Business") in indexed
        adapter.close()
    clear_protocol_cache()


def test_contact_update_batch_is_one_updateitem_and_a_stale_key_is_a_mismatch_for_that_item_only(emu, adapter):
    outcomes = _create(adapter, Kind.CONTACT, 4)
    requests = _title_requests(adapter, outcomes)
    emu.update_item(outcomes[2].id, {"JobTitle": "edited in Outlook meanwhile"})
    emu.reset_log()
    results = adapter.update(Kind.CONTACT, requests)
    assert [r.ok for r in results] == [True, True, False, True]
    assert isinstance(results[2].error, VersionMismatch)
    assert emu.get_item(outcomes[2].id)["fields"]["JobTitle"] == "edited in Outlook meanwhile"
    for i in (0, 1, 3):
        stored = emu.get_item(outcomes[i].id)
        assert stored["fields"]["JobTitle"] == f"T{i}" and results[i].version == stored["changekey"]
    # the batch, then one GetItem of the refused item only to tell a real conflict from a spurious one
    (get,) = [r for r in emu.requests if r.operation == "GetItem"]
    assert [u.item_count for u in emu.requests if u.operation == "UpdateItem"] == [4] and get.item_count == 1


@pytest.mark.parametrize("code", ["ErrorInvalidPropertySet", "ErrorSomethingExchangeAddsNextYear"])
def test_another_per_item_update_error_fails_only_that_record(emu, adapter, code):
    outcomes = _create(adapter, Kind.CONTACT, 3)
    requests = _title_requests(adapter, outcomes)
    # exchangelib would raise these for the whole call, hiding the two items the server saved
    emu.faults.item_error(code, item_ids=[outcomes[1].id], op="UpdateItem", n=1)
    emu.reset_log()
    results = adapter.update(Kind.CONTACT, requests)
    assert [r.ok for r in results] == [True, False, True] and results[1].error.code == code
    assert [emu.get_item(o.id)["fields"]["JobTitle"] for o in outcomes] == ["T0", "Engineer", "T2"]
    assert [results[i].version for i in (0, 2)] == [emu.get_item(outcomes[i].id)["changekey"] for i in (0, 2)]
    assert [u.item_count for u in emu.requests if u.operation == "UpdateItem"] == [3]


def test_item_that_became_a_recurring_series_meanwhile_is_a_conflict_per_item(emu, adapter):
    outcomes = _create(adapter, Kind.EVENT)
    requests = _renamed(adapter, Kind.EVENT, outcomes)
    emu.update_item(outcomes[0].id, {"Recurrence": Recurrence(pattern=WeeklyPattern(interval=1, weekdays=[2]),
                                                              start=EWSDate(2031, 3, 4), number=5)})
    results = adapter.update(Kind.EVENT, requests)
    assert [r.ok for r in results] == [False, True, True]
    # the change key moved with the user's edit: the engine reads the series and plans again
    assert isinstance(results[0].error, VersionMismatch)
    assert emu.get_item(outcomes[0].id)["fields"]["Subject"] == "Meeting 0"  # the series is left alone
    # the same through the pre-read path (a move reads the item's zones first)
    current = adapter.fetch(Kind.EVENT, [outcomes[1].id])[outcomes[1].id]
    emu.update_item(outcomes[1].id, {"Recurrence": Recurrence(pattern=WeeklyPattern(interval=1, weekdays=[2]),
                                                              start=EWSDate(2031, 3, 4), number=5)})
    moved = current.record.replace(start=current.record.start + timedelta(hours=1),
                                   end=current.record.end + timedelta(hours=1))
    (result,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="m", id=current.id, record=moved,
                                                          fields=frozenset({"start", "end"}),
                                                          base_version=current.version)])
    assert isinstance(result.error, VersionMismatch)
    assert emu.get_item(current.id)["fields"]["Recurrence"] is not None


def test_update_without_a_change_key_reads_the_item_first(emu, adapter):
    current = _contact_with_every_label(emu, adapter)
    emu.reset_log()
    (outcome,) = adapter.update(Kind.CONTACT, [UpdateRequest(ref="u", id=current.id, fields=frozenset({"phone"}),
                                                             record=current.record.replace(phone="+1 999"))])
    assert outcome.ok and emu.request_counts() == {"GetItem": 1, "UpdateItem": 1}
    assert emu.get_item(current.id)["fields"]["PhoneNumbers"] == {
        "BusinessPhone": "+1 999", "MobilePhone": "+1 222", "HomePhone": "+1 333"}
