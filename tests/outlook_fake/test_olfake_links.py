"""Contract: a task's Links, the contacts it is linked to.

* ``TaskItem.Links`` "returns a Links collection that represents the contacts to which the item is linked.
  Read-only." (_TaskItem.Links,
  https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2010/bb609394(v=office.14));
  the documented sample walks ``myItem.Links`` and reads ``myLinks.Count``
  (https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2003/aa171471(v=office.11)).
* ``Links``: ``Count``, ``Item`` (1-based), ``Add``, ``Remove``
  (https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2003/aa210939(v=office.11)).
* ``Link.Item`` is the linked Outlook item; ``Link.Type`` an ``OlObjectClass``; ``Link.Name`` the display
  name; "For Outlook 2000 and later, only contacts can be linked to other items"
  (https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2010/ff869034(v=office.14),
  https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2010/ff869180(v=office.14),
  https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2010/bb646022(v=office.14)).
* ``ContactItem.Email1Address``:
  https://learn.microsoft.com/en-us/office/vba/api/outlook.contactitem.email1address
"""

from __future__ import annotations

import uuid

import pytest

from syncore_outlook import constants as C
from syncore_outlook.fake import FakeComError, FakeOutlook


def _saved_contact(contacts, last: str, email: str):
    contact = contacts.Items.Add(C.olContactItem)
    contact.LastName = f"{last} {uuid.uuid4().hex[:6]}"
    contact.Email1Address = email
    contact.Save()
    return contact


def test_links_are_added_kept_in_order_one_based_and_lead_to_the_contacts(tasks, contacts, namespace):
    ann = _saved_contact(contacts, "Ann", "ann@customer.example")
    bob = _saved_contact(contacts, "Bob", "bob@customer.example")
    task = tasks.Items.Add(C.olTaskItem)
    task.Subject = f"syncore contract {uuid.uuid4().hex[:8]}"
    assert task.Links.Count == 0
    task.Links.Add(ann)
    task.Links.Add(bob)
    task.Save()
    links = namespace.GetItemFromID(task.EntryID).Links
    assert links.Count == 2
    assert [links.Item(i).Type for i in (1, 2)] == [C.olContact, C.olContact]
    assert [links.Item(i).Item.Email1Address for i in (1, 2)] == [
        "ann@customer.example", "bob@customer.example"]
    assert links.Item(1).Item.EntryID == ann.EntryID
    links.Remove(1)
    assert links.Count == 1 and links.Item(1).Item.EntryID == bob.EntryID


def test_object_classes_follow_the_enumeration():
    # OlObjectClass: https://learn.microsoft.com/en-us/office/vba/api/outlook.olobjectclass
    assert (C.olContact, C.olTask) == (40, 48)


@pytest.fixture
def fake_only():
    return FakeOutlook(local_zone="Europe/Berlin")


def test_user_links_unsaved_changes_and_counted_adds(fake_only):
    """Test support: ``user_create(..., Links=[entry_id])`` links saved contacts; ``calls["Links.Add"]``
    counts adds (the sync must make none); links added to a working copy are dropped unless it is saved."""
    ann = fake_only.user_create("contacts", FirstName="Ann", LastName="Lee",
                                Email1Address="ann@customer.example")
    eid = fake_only.user_create("tasks", Subject="t", Links=[ann])
    assert fake_only.record(eid).links == [ann]
    item = fake_only.application.Session.GetItemFromID(eid)
    assert item.Links.Item(1).Name == "Ann Lee"
    item.Links.Add(fake_only.application.Session.GetItemFromID(ann))
    assert fake_only.calls["Links.Add"] == 1
    assert fake_only.record(eid).links == [ann]  # not saved


def test_only_contacts_can_be_linked_and_a_deleted_contact_cannot_be_opened(fake_only):
    eid = fake_only.user_create("tasks", Subject="t")
    other = fake_only.user_create("tasks", Subject="other")
    session = fake_only.application.Session
    item = session.GetItemFromID(eid)
    with pytest.raises(FakeComError):
        item.Links.Add(session.GetItemFromID(other))
    ann = fake_only.user_create("contacts", LastName="Ann", Email1Address="ann@customer.example")
    linked = fake_only.user_create("tasks", Subject="linked", Links=[ann])
    session.GetItemFromID(ann).Delete()
    session.GetItemFromID(fake_only.entry_ids("deleted")[0]).Delete()
    link = session.GetItemFromID(linked).Links.Item(1)
    with pytest.raises(FakeComError) as info:
        link.Item  # noqa: B018
    assert info.value.excepinfo[5] == C.MAPI_E_NOT_FOUND
