"""A task's linked contacts on the Outlook (COM) adapter: their e-mail addresses are read, never written.

Facts (cited in src/adapters/syncore_outlook/fake/_links.py):
* ``TaskItem.Links`` "returns a Links collection that represents the contacts to which the item is linked"
  (https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2010/bb609394(v=office.14)).
* ``Link.Item`` is the linked item, a ContactItem
  (https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2010/ff869034(v=office.14));
  its address is ``ContactItem.Email1Address``
  (https://learn.microsoft.com/en-us/office/vba/api/outlook.contactitem.email1address), an X.500 DN for an
  Exchange ("EX") entry, whose SMTP address the adapter reads as it does for contacts (reference §2.2).
"""

from __future__ import annotations

from datetime import date

import pytest

from syncore.errors import TransientError
from syncore.models import Kind, Task
from syncore.remote import CreateRequest, UpdateRequest
from syncore_outlook import ObjectModelGuardError, OutlookComAdapter


def _contact(fake, last: str, email: str = "", **props) -> str:
    return fake.user_create("contacts", LastName=last, **({"Email1Address": email} if email else {}), **props)


def test_linked_contacts_are_read_as_sorted_lower_case_smtp_addresses(fake, outlook):
    """Each linked contact's address, lower-cased, sorted, once; an Exchange contact's SMTP address (not its
    DN); a contact without an address, one with only a name, and a deleted contact are skipped."""
    zed = _contact(fake, "Zed", "Zed@Customer.example")
    ann = _contact(fake, "Ann", "ann@customer.example")
    boss = _contact(fake, "Boss", Email1AddressType="EX",
                    Email1Address="/o=ExchangeLabs/ou=Exchange/cn=Recipients/cn=boss",
                    Email1SmtpAddress="boss@mycompany.example")
    nobody = _contact(fake, "Nobody")
    unresolved = _contact(fake, "Unresolved", "Ann Unresolved")
    gone = _contact(fake, "Gone", "gone@customer.example")
    eid = fake.user_create("tasks", Subject="Send the offer",
                           Links=[zed, ann, boss, nobody, unresolved, gone, ann])
    fake.application.Session.GetItemFromID(gone).Delete()
    # emptied from Deleted Items: the link stays, its contact is gone
    fake.application.Session.GetItemFromID(fake.entry_ids("deleted")[0]).Delete()
    record = outlook.fetch(Kind.TASK, [eid])[eid].record
    assert record.contacts == ("ann@customer.example", "boss@mycompany.example", "zed@customer.example")
    (found,) = [u.record for u in outlook.full_scan(Kind.TASK).upserts if u.id == eid]
    assert found.contacts == record.contacts
    # held as read: the engine compares this side's contacts as they are
    assert outlook.represent(record) == record


def test_a_task_without_links_has_no_contacts(fake, outlook):
    eid = fake.user_create("tasks", Subject="Water the plants")
    assert outlook.fetch(Kind.TASK, [eid])[eid].record.contacts == ()


def test_contacts_are_a_read_only_field_and_never_written(fake, outlook):
    """syncore never links contacts to a task: created and updated tasks keep exactly the user's links."""
    assert {"attendees", "contacts"} <= outlook.capabilities.read_only_fields
    assert OutlookComAdapter(fake.application, kinds=[Kind.EVENT]).capabilities.read_only_fields == frozenset(
        {"attendees"})
    assert OutlookComAdapter(fake.application, kinds=[Kind.TASK]).capabilities.read_only_fields == frozenset(
        {"contacts"})
    task = Task(subject="Call back", due=date(2026, 11, 2), contacts=("ann@customer.example",))
    (created,) = outlook.create(Kind.TASK, [CreateRequest(ref="1", record=task)])
    assert created.ok and any("never adds links" in w for w in created.warnings)
    assert fake.record(created.id).links == []
    # a task the user linked keeps its links when the adapter writes other fields of it
    ann = _contact(fake, "Ann", "ann@customer.example")
    eid = fake.user_create("tasks", Subject="Send the offer", Links=[ann])
    current = outlook.fetch(Kind.TASK, [eid])[eid]
    (updated,) = outlook.update(Kind.TASK, [UpdateRequest(
        ref="u", id=eid, record=current.record.replace(subject="Send the offer v2", contacts=()),
        fields=frozenset(task.field_names()), base_version=current.version)])
    assert updated.ok
    assert fake.record(eid).links == [ann]
    assert fake.record(eid).props["Subject"] == "Send the offer v2"
    assert fake.calls["Links.Add"] == 0 and fake.calls["Links.Remove"] == 0


def test_a_guard_denial_on_a_linked_contacts_address_stops_the_call(fake, outlook):
    """``Email1Address`` is guard-protected (reference §7): a denial is the Object Model Guard error, not a
    task silently read without its contacts."""
    ann = _contact(fake, "Ann", "ann@customer.example")
    eid = fake.user_create("tasks", Subject="Send the offer", Links=[ann])
    fake.guard = lambda member: member != "Email1Address"
    with pytest.raises(ObjectModelGuardError):
        outlook.fetch(Kind.TASK, [eid])


def test_each_link_opens_its_contact_once(fake, outlook):
    linked = [_contact(fake, name, f"{name.lower()}@customer.example") for name in ("Ann", "Bob", "Cy")]
    eid = fake.user_create("tasks", Subject="Send the offer", Links=linked)
    fake.reset_counters()
    assert outlook.fetch(Kind.TASK, [eid])[eid].record.contacts == (
        "ann@customer.example", "bob@customer.example", "cy@customer.example")
    # the task itself and its 3 contacts
    assert fake.item_opens == 4


def test_outlook_busy_while_opening_a_link_is_no_missing_contact(fake, outlook):
    """Only a contact that is gone is skipped: Outlook refusing the call (RPC_E_CALL_REJECTED) fails the read
    as a transient error, so the task is not read without its contacts."""
    ann = _contact(fake, "Ann", "ann@customer.example")
    eid = fake.user_create("tasks", Subject="Send the offer", Links=[ann])
    fake.inject_error("Link.Item")
    with pytest.raises(TransientError):
        outlook.fetch(Kind.TASK, [eid])
