"""Links are claims (issue 11 item 4): only records in the adapter's scope can be found by id or by link.

Scope ``owner`` (the default) is what the change feed reads: ``OwnerId`` = the syncing user, plus
``extra_filter``; a record of another object or another user is "not found", so the engine cannot pair a link
with it and overwrite it.
"""

from __future__ import annotations

from datetime import timedelta

from sfadapter_support import LINK_FIELD, T0, make_adapter

from syncore import SyncEngine
from syncore.models import Event, Kind
from syncore.settings import SyncSettings
from syncore.state import SqliteStateStore
from syncore.testing import MemoryAdapter
from syncore_salesforce.converter import format_datetime as wire

# Ids from Salesforce's documentation: the sObject Collections create example (a Contact) and the REST API
# developer guide's Account examples.
DOC_CONTACT_ID = "003xx000004TmiQAAS"
DOC_ACCOUNT_ID = "001D000000IqhSLIAZ"


def _event_fields(subject: str, owner: str, day: int = 1, **extra) -> dict:
    start = T0 + timedelta(days=day)
    return {"Subject": subject, "StartDateTime": wire(start), "EndDateTime": wire(start + timedelta(hours=1)),
            "OwnerId": owner, **extra}


def test_is_native_id_checks_shape_checksum_and_key_prefix(emu):
    adapter = make_adapter(emu)
    event_id = emu.insert("Event", _event_fields("x", emu.user_id))  # ids made by the emulator's own code
    task_id = emu.insert("Task", {"Subject": "y", "OwnerId": emu.user_id})
    assert adapter.is_native_id(Kind.CONTACT, DOC_CONTACT_ID)
    assert adapter.is_native_id(Kind.CONTACT, DOC_CONTACT_ID[:15])
    assert adapter.is_native_id(Kind.EVENT, event_id) and adapter.is_native_id(Kind.TASK, task_id)
    assert not adapter.is_native_id(Kind.EVENT, DOC_CONTACT_ID), "another object's id"
    assert not adapter.is_native_id(Kind.TASK, event_id)
    assert not adapter.is_native_id(Kind.CONTACT, DOC_ACCOUNT_ID)
    assert not adapter.is_native_id(Kind.CONTACT, "003XX000004TMIQAAS"), "re-cased: the suffix no longer matches"
    assert not adapter.is_native_id(Kind.CONTACT, "003xx000004TmiQAAA"), "wrong checksum"
    for junk in ("", "003", "003xx000004TmiQAA", "003xx000004TmiQ-AS", "003xx000004TmiQAAS ", "AAMkAGI2=="):
        assert not adapter.is_native_id(Kind.CONTACT, junk), junk


def test_fetch_returns_only_records_in_scope(emu):
    adapter = make_adapter(emu)
    mine = emu.insert("Event", _event_fields("Mine", emu.user_id))
    theirs = emu.insert("Event", _event_fields("Theirs", emu.other_user_id))
    contact = emu.insert("Contact", {"LastName": "Other object", "OwnerId": emu.user_id})
    found = adapter.fetch(Kind.EVENT, [mine, theirs, contact])
    assert set(found) == {mine}
    everyone = make_adapter(emu, scope="all")
    assert set(everyone.fetch(Kind.EVENT, [mine, theirs])) == {mine, theirs}


def test_ids_of_another_object_are_not_looked_up(emu):
    adapter = make_adapter(emu, owner_id=emu.user_id)
    contact = emu.insert("Contact", {"LastName": "Other object", "OwnerId": emu.user_id})
    emu.reset_log()
    assert adapter.fetch(Kind.EVENT, [contact, "not-an-id"]) == {}
    assert emu.requests == []


def test_fetch_with_extra_filter_applies_the_feeds_condition(emu):
    adapter = make_adapter(emu, extra_filter="Location = 'Berlin'")
    berlin = emu.insert("Event", _event_fields("Berlin", emu.user_id, Location="Berlin"))
    paris = emu.insert("Event", _event_fields("Paris", emu.user_id, day=2, Location="Paris"))
    theirs = emu.insert("Event", _event_fields("Theirs", emu.other_user_id, day=3, Location="Berlin"))
    emu.reset_log()
    assert set(adapter.fetch(Kind.EVENT, [berlin, paris, theirs])) == {berlin}
    [query] = [e for e in emu.requests if e.operation == "query"]
    assert "Location = 'Berlin'" in query.q and "OwnerId" in query.q


def test_find_by_link_returns_only_records_in_scope(emu):
    emu.add_external_id("Event", LINK_FIELD)
    adapter = make_adapter(emu, link_field=LINK_FIELD)
    mine = emu.insert("Event", _event_fields("Mine", emu.user_id, **{LINK_FIELD: "pim-1"}))
    emu.insert("Event", _event_fields("Theirs", emu.other_user_id, day=2, **{LINK_FIELD: "pim-2"}))
    found = adapter.find_by_link(Kind.EVENT, ["pim-1", "pim-2"])
    assert {link: item.id for link, item in found.items()} == {"pim-1": mine}


def test_a_link_to_another_users_event_does_not_overwrite_it(emu):
    """The probe's case: an Outlook item whose link names a colleague's Salesforce event."""
    theirs = emu.insert("Event", _event_fields("Board meeting", emu.other_user_id, Description="confidential"))
    adapter = make_adapter(emu)
    pim = MemoryAdapter(name="pim", formatted_bodies=True, batch_size=200, clock=emu.clock.now)
    engine = SyncEngine(pim=pim, crm=adapter, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=emu.clock.now)
    start = T0 + timedelta(days=5)
    pim.put(Event(subject="My lunch", start=start, end=start + timedelta(hours=1), body="sandwiches"), link=theirs)
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    row = emu.get("Event", theirs)
    assert (row["Subject"], row["Description"], row["OwnerId"]) == ("Board meeting", "confidential",
                                                                    emu.other_user_id)
    mine = [r for r in emu.all("Event") if r["OwnerId"] == emu.user_id]
    assert [r["Subject"] for r in mine] == ["My lunch"], "ours is created as a record of its own"
