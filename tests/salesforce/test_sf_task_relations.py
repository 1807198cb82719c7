"""The Salesforce adapter relating tasks to the people they are about, against the emulator (real client, HTTP).

A task's ``contacts`` (the addresses of the people it is about) relate it like an event's attendees: the first
matched Contact (else one open Lead) is the ``WhoId``, the other matched contacts become TaskRelation rows
("TaskRelation": up to 50 contacts or one lead with Shared Activities, the Who only without), ``WhatId`` is
their common Account; the relations follow later changes and a hand-made one survives. Customers live at
``customer.example``: the emulator's user is ``syncore@example.com``, so ``example.com`` is the own domain.

Object reference, TaskRelation:
https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-taskrelation.html
"""

from __future__ import annotations

from datetime import date

import pytest
from sfadapter_support import T0, make_adapter

from syncore.models import Kind, Task
from syncore.remote import CreateRequest, UpdateRequest
from syncore_salesforce.emulator import SalesforceEmulator


def task(*contacts: str, subject: str = "Send the offer", private: bool = False) -> Task:
    return Task(subject=subject, due=date(2026, 12, 10), contacts=contacts, private=private)


def create(adapter, *records):
    outcomes = adapter.create(Kind.TASK, [CreateRequest(ref=str(i), record=r) for i, r in enumerate(records)])
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    return outcomes


def update(adapter, task_id: str, record: Task, previous: Task, fields=frozenset({"contacts"})):
    (outcome,) = adapter.update(
        Kind.TASK, [UpdateRequest(ref="u", id=task_id, record=record, fields=fields, previous=previous)]
    )
    assert outcome.ok, outcome.error
    return outcome


def relations(emu, task_id: str) -> set[str]:
    """The people the task relates to (its TaskRelation person rows, the Who's among them)."""
    return {
        row["RelationId"] for row in emu.all("TaskRelation") if row["TaskId"] == task_id and not row["IsWhat"]
    }


@pytest.fixture
def acme(emu):
    """Two contacts under Acme, a contact without Account, a lead, a converted lead."""
    account = emu.insert("Account", {"Name": "Acme"})
    return {
        "account": account,
        "ann": emu.insert(
            "Contact", {"LastName": "Ann", "Email": "ann@customer.example", "AccountId": account}
        ),
        "bob": emu.insert(
            "Contact", {"LastName": "Bob", "Email": "Bob@Customer.example", "AccountId": account}
        ),
        "cy": emu.insert("Contact", {"LastName": "Cy", "Email": "cy@customer.example"}),
        "lea": emu.insert(
            "Lead", {"LastName": "Lea", "Company": "Prospect", "Email": "lea@prospect.example"}
        ),
        "old": emu.insert(
            "Lead",
            {"LastName": "Old", "Company": "Prospect", "Email": "old@prospect.example", "IsConverted": True},
        ),
    }


def test_a_task_relates_to_its_contacts_and_their_account(emu, acme):
    adapter = make_adapter(emu)
    (outcome,) = create(
        adapter, task("stranger@elsewhere.example", "bob@customer.example", "ann@customer.example")
    )
    row = emu.get("Task", outcome.id)
    # contacts are kept sorted: ann comes first, so she is the Who
    assert (row["WhoId"], row["WhatId"], row["AccountId"]) == (acme["ann"], acme["account"], acme["account"])
    assert relations(emu, outcome.id) == {acme["ann"], acme["bob"]}
    assert emu.errors == []


def test_a_lead_when_no_contact_matches_never_a_converted_one(emu, acme):
    adapter = make_adapter(emu)
    lead_task, converted_task, both = create(
        adapter,
        task("lea@prospect.example"),
        task("old@prospect.example", subject="B"),
        task("lea@prospect.example", "ann@customer.example", subject="C"),
    )
    assert (emu.get("Task", lead_task.id)["WhoId"], emu.get("Task", lead_task.id)["WhatId"]) == (
        acme["lea"],
        None,
    )
    assert emu.get("Task", converted_task.id)["WhoId"] is None
    assert emu.get("Task", both.id)["WhoId"] == acme["ann"]
    assert relations(emu, both.id) == {acme["ann"]}
    assert any("contact(s) are Salesforce leads and were not related" in w for w in both.warnings)


def test_private_tasks_are_never_related(emu, acme):
    (outcome,) = create(make_adapter(emu, scope="all"), task("ann@customer.example", private=True))
    assert emu.get("Task", outcome.id)["WhoId"] is None and relations(emu, outcome.id) == set()
    assert any("contacts not related: private" in w for w in outcome.warnings)


def test_relations_follow_the_contacts_and_spare_a_hand_made_one(emu, acme):
    adapter = make_adapter(emu)
    first = task("ann@customer.example")
    (outcome,) = create(adapter, first)
    task_id = outcome.id
    emu.insert("TaskRelation", {"TaskId": task_id, "RelationId": acme["cy"]})  # Cy related by hand
    added = task("ann@customer.example", "bob@customer.example")
    update(adapter, task_id, added, first)
    assert relations(emu, task_id) == {acme["ann"], acme["bob"], acme["cy"]}
    # Ann is no longer linked: her row goes, Bob becomes the Who, Cy (hand-made) stays
    removed = task("bob@customer.example")
    update(adapter, task_id, removed, added)
    assert relations(emu, task_id) == {acme["bob"], acme["cy"]}
    row = emu.get("Task", task_id)
    assert (row["WhoId"], row["WhatId"]) == (acme["bob"], acme["account"])
    # nobody left: syncore's Who and What go, the hand-made relation stays (and is promoted)
    update(adapter, task_id, task(), removed)
    assert relations(emu, task_id) == {acme["cy"]}
    row = emu.get("Task", task_id)
    assert (row["WhoId"], row["WhatId"]) == (acme["cy"], None)
    assert emu.errors == []


def test_a_task_made_private_keeps_a_who_set_by_hand(emu, acme):
    """Task has no IsPrivate, so privacy is no reason to undo what a user related by hand; what syncore
    related goes (private items are never related)."""
    adapter = make_adapter(emu, scope="all")
    first = task("ann@customer.example", "bob@customer.example")
    (outcome,) = create(adapter, first)
    update(adapter, outcome.id, first.replace(private=True), first, fields=frozenset({"private"}))
    assert relations(emu, outcome.id) == set()
    assert emu.get("Task", outcome.id)["WhoId"] is None
    # now a user relates Cy by hand, and the task becomes private again after going public
    public = task()
    update(adapter, outcome.id, public, first.replace(private=True), fields=frozenset({"private"}))
    emu.update("Task", outcome.id, {"WhoId": acme["cy"]})
    update(adapter, outcome.id, public.replace(private=True), public, fields=frozenset({"private"}))
    assert emu.get("Task", outcome.id)["WhoId"] == acme["cy"]


def test_ignored_addresses_are_never_looked_up_nor_related(emu, acme):
    adapter = make_adapter(emu, ignore=["bob@customer.example"])
    emu.reset_log()
    (outcome,) = create(adapter, task("ann@customer.example", "bob@customer.example", "me@example.com"))
    lookups = " ".join(r.q for r in emu.requests if r.q and r.sobject in ("Contact", "Lead"))
    assert "ann@customer.example" in lookups
    assert "bob@customer.example" not in lookups and "me@example.com" not in lookups
    assert relations(emu, outcome.id) == {acme["ann"]}


def test_unmatched_tasks_give_reasons(emu, acme):
    reasons = make_adapter(emu).unmatched(
        Kind.TASK,
        [
            task("ann@customer.example"),
            task("nobody@elsewhere.example"),
            task("me@example.com"),
            task(),
            task("ann@customer.example", private=True),
        ],
    )
    assert reasons[0] is None
    assert "none of its contacts is a Salesforce contact or lead" in reasons[1]
    assert "ignored" in reasons[2]
    assert "no contacts" in reasons[3]
    assert "private" in reasons[4]


def test_two_hundred_tasks_with_three_hundred_contacts_cost_two_lookups_per_object(emu):
    """300 distinct addresses, 200 per IN list: 2 Contact queries and 1 Lead query (for the 200 no Contact has)
    for the batch, none more for the writes after require_match's planning."""
    for i in range(0, 300, 3):
        emu.insert("Contact", {"LastName": f"C{i}", "Email": f"person{i}@customer.example"})
    for i in range(1, 300, 3):
        emu.insert("Lead", {"LastName": f"L{i}", "Company": "P", "Email": f"person{i}@customer.example"})
    tasks = [
        task(*(f"person{(n * 3 + k) % 300}@customer.example" for k in range(3)), subject=f"T{n}")
        for n in range(200)
    ]
    adapter = make_adapter(emu)
    adapter.describe.get("Task")
    emu.reset_log()
    assert sum(r is None for r in adapter.unmatched(Kind.TASK, tasks)) == 200
    create(adapter, *tasks)
    assert emu.count("query", sobject="Contact") == 2
    # only the 200 addresses no Contact has are asked of Lead: one IN list
    assert emu.count("query", sobject="Lead") == 1
    # 200 tasks: one collections create; each has one contact (person 3k) among its three: the Who, so no
    # TaskRelation row to create
    assert emu.count("composite_create") == 1
    assert all(emu.get("Task", row["Id"])["WhoId"] for row in emu.all("Task"))
    assert emu.errors == []


def test_fifty_contacts_at_most_and_one_lead(emu):
    """Shared Activities: a task relates to "up to 50 contacts or one lead" (TaskRelation)."""
    for i in range(52):
        emu.insert("Contact", {"LastName": f"C{i}", "Email": f"c{i:02d}@customer.example"})
    for i in range(2):
        emu.insert("Lead", {"LastName": f"L{i}", "Company": "P", "Email": f"l{i}@prospect.example"})
    many, leads = create(
        make_adapter(emu),
        task(*(f"c{i:02d}@customer.example" for i in range(52))),
        task("l0@prospect.example", "l1@prospect.example", subject="Leads"),
    )
    assert len(relations(emu, many.id)) == 50
    assert any("52 contacts are Salesforce contacts: the first 50 are related" in w for w in many.warnings)
    assert len(relations(emu, leads.id)) == 1
    assert any("only the first is related" in w for w in leads.warnings)
    assert emu.errors == []


def test_without_shared_activities_the_who_alone_follows_the_contacts():
    """Without Shared Activities TaskRelation does not exist: the adapter never asks for it."""
    with SalesforceEmulator(start_time=T0, shared_activities=False) as emu:
        ann = emu.insert("Contact", {"LastName": "Ann", "Email": "ann@customer.example"})
        bob = emu.insert("Contact", {"LastName": "Bob", "Email": "bob@customer.example"})
        adapter = make_adapter(emu, shared_activities=False)
        first = task("ann@customer.example", "bob@customer.example")
        (outcome,) = create(adapter, first)
        assert emu.get("Task", outcome.id)["WhoId"] == ann
        assert any("without Shared Activities" in w for w in outcome.warnings)
        second = task("bob@customer.example")
        update(adapter, outcome.id, second, first)
        assert emu.get("Task", outcome.id)["WhoId"] == bob
        update(adapter, outcome.id, task(), second)
        assert emu.get("Task", outcome.id)["WhoId"] is None
        assert not any(r.sobject == "TaskRelation" for r in emu.requests)
        assert emu.errors == []


def test_contacts_are_write_only_and_not_stored_on_the_task(emu, acme):
    adapter = make_adapter(emu)
    assert "contacts" in adapter.capabilities.write_only_fields
    (outcome,) = create(adapter, task("ann@customer.example"))
    read = adapter.fetch(Kind.TASK, [outcome.id])[outcome.id].record
    assert read.contacts == ()
    assert adapter.represent(task("ann@customer.example")).contacts == ()
