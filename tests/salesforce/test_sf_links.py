"""Idempotent creates through an External ID field (link_field)."""

from __future__ import annotations

from datetime import timedelta

from sfadapter_support import LINK_FIELD, T0, make_adapter

from syncore.models import Contact, Event, Kind
from syncore.remote import CreateRequest


def test_a_repeated_create_with_the_same_link_updates_instead_of_duplicating(emu):
    emu.add_external_id("Event", LINK_FIELD)
    adapter = make_adapter(emu, link_field=LINK_FIELD)
    assert adapter.capabilities.link_ids
    event = Event(subject="Kickoff", start=T0 + timedelta(days=1), end=T0 + timedelta(days=1, hours=1))
    first = adapter.create(Kind.EVENT, [CreateRequest(ref="a", record=event, link="pim-1")])
    # a crash after the write but before the engine stored the outcome: the engine sends the create again
    again = adapter.create(Kind.EVENT, [CreateRequest(ref="a", record=event.replace(subject="Kickoff!"),
                                                      link="pim-1")])
    assert first[0].id == again[0].id
    assert [(row["Subject"], row[LINK_FIELD]) for row in emu.all("Event")] == [("Kickoff!", "pim-1")]
    assert emu.count("composite_upsert") == 2 and emu.count("composite_create") == 0
    assert adapter.find_by_link(Kind.EVENT, ["PIM-1"])["PIM-1"].id == first[0].id  # case-insensitive
    # a create without a link still goes through a plain create
    (plain,) = adapter.create(Kind.EVENT, [CreateRequest(ref="b", record=event)])
    assert plain.ok and emu.count("composite_create") == 1


def test_without_a_link_field_links_are_not_claimed(emu):
    adapter = make_adapter(emu)
    assert not adapter.capabilities.link_ids
    assert adapter.find_by_link(Kind.EVENT, ["pim-1"]) == {}


def test_a_link_longer_than_the_field_is_refused_for_that_record(emu):
    emu.add_external_id("Contact", LINK_FIELD, length=40)
    adapter = make_adapter(emu, link_field=LINK_FIELD)
    outcomes = adapter.create(Kind.CONTACT, [CreateRequest(ref="a", record=Contact(last_name="A"), link="x" * 41),
                                             CreateRequest(ref="b", record=Contact(last_name="B"), link="ok")])
    assert f"Contact.{LINK_FIELD} is 41 characters, Salesforce allows 40" in str(outcomes[0].error)
    assert outcomes[1].ok
