"""End to end through SyncEngine: a PIM (MemoryAdapter, which keeps a task's contacts as Outlook's linked
contacts would) against the Salesforce emulator, relating tasks to the Salesforce people they are about.

Customers live at ``customer.example`` (the Salesforce user is ``syncore@example.com``: ``example.com`` is the
own domain, ignored automatically).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from exchangelib import EWSTimeZone
from sfadapter_support import LINK_FIELD, T0, make_adapter
from test_sf_relations_engine import engine_for, memory_pim, sync

from relations_support import acme_world
from relations_support import task_people as people_of
from syncore.models import Kind, Task
from syncore.settings import KindSettings
from syncore_exchange import ExchangeAdapter
from syncore_exchange.emulator import EwsEmulator, clear_protocol_cache


def todo(*contacts: str, subject: str = "Send the offer", day: int = 2) -> Task:
    return Task(subject=subject, due=(T0 + timedelta(days=day)).date(), contacts=contacts)


@pytest.fixture
def crm_world(emu):
    return acme_world(emu)


def test_a_task_relates_and_its_relations_follow_its_contacts(emu, crm_world):
    crm = make_adapter(emu)
    pim = memory_pim(emu)
    engine = engine_for(emu, pim, crm)
    pim_id = pim.put(todo("ann@customer.example", "bob@customer.example", "stranger@elsewhere.example"))
    sync(emu, engine, Kind.TASK)
    (row,) = emu.all("Task")
    task_id = row["Id"]
    assert (row["WhoId"], row["WhatId"], row["AccountId"]) == (
        crm_world["ann"],
        crm_world["acme"],
        crm_world["acme"],
    )
    assert people_of(emu, task_id) == {crm_world["ann"], crm_world["bob"]}
    # Bob is unlinked, Cy linked in the PIM
    pim.edit(pim_id, contacts=("ann@customer.example", "cy@customer.example"))
    sync(emu, engine, Kind.TASK)
    assert people_of(emu, task_id) == {crm_world["ann"], crm_world["cy"]}
    # Cy has no Account: the contacts no longer share one, so syncore's What goes
    assert emu.get("Task", task_id)["WhatId"] is None
    # Ann is unlinked: Cy becomes the Who
    pim.edit(pim_id, contacts=("cy@customer.example",))
    sync(emu, engine, Kind.TASK)
    assert people_of(emu, task_id) == {crm_world["cy"]}
    assert emu.get("Task", task_id)["WhoId"] == crm_world["cy"]
    # Salesforce's reads never touch the PIM's contacts
    assert pim.records(Kind.TASK)[pim_id].contacts == ("cy@customer.example",)
    assert emu.errors == []


def test_a_hand_made_relation_survives_every_contact_change(emu, crm_world):
    crm = make_adapter(emu)
    pim = memory_pim(emu)
    engine = engine_for(emu, pim, crm)
    pim_id = pim.put(todo("ann@customer.example"))
    sync(emu, engine, Kind.TASK)
    (row,) = emu.all("Task")
    emu.insert("TaskRelation", {"TaskId": row["Id"], "RelationId": crm_world["cy"]})
    pim.edit(pim_id, contacts=("ann@customer.example", "bob@customer.example"))
    sync(emu, engine, Kind.TASK)
    pim.edit(pim_id, contacts=())
    sync(emu, engine, Kind.TASK)
    assert people_of(emu, row["Id"]) == {crm_world["cy"]}
    # an edit in Salesforce comes back without touching the PIM's contacts
    emu.update("Task", row["Id"], {"Subject": "Send the revised offer"})
    pim.edit(pim_id, contacts=("ann@customer.example",))
    sync(emu, engine, Kind.TASK)
    record = pim.records(Kind.TASK)[pim_id]
    assert record.subject == "Send the revised offer" and record.contacts == ("ann@customer.example",)
    assert people_of(emu, row["Id"]) == {crm_world["cy"], crm_world["ann"]}


def test_ignore_list_and_require_match_on_tasks(emu, crm_world):
    crm = make_adapter(emu, ignore=["bob@customer.example"])
    pim = memory_pim(emu)
    engine = engine_for(emu, pim, crm, kinds={Kind.TASK: KindSettings(require_match=True)})
    pim.put(todo("ann@customer.example", "bob@customer.example", subject="Customer offer"))
    internal = pim.put(todo("colleague@example.com", subject="Expense report", day=3))
    pim.put(todo("bob@customer.example", subject="Bob only", day=4))
    pim.put(todo(subject="Water the plants", day=5))
    result = sync(emu, engine, Kind.TASK)
    assert [row["Subject"] for row in emu.all("Task")] == ["Customer offer"]
    (row,) = emu.all("Task")
    assert people_of(emu, row["Id"]) == {crm_world["ann"]}
    skipped = "\n".join(result.skipped)
    # (named by subject)
    assert "pim task 'Expense report': all its contacts are ignored" in skipped
    assert "pim task 'Bob only': all its contacts are ignored" in skipped
    assert "pim task 'Water the plants': no contacts to relate it to a Salesforce contact or lead" in skipped
    assert result.errors == []
    # once it relates to a customer, it is written
    pim.edit(internal, contacts=("colleague@example.com", "cy@customer.example"))
    sync(emu, engine, Kind.TASK)
    assert sorted(row["Subject"] for row in emu.all("Task")) == ["Customer offer", "Expense report"]


def test_request_counts_of_a_first_sync_with_task_contacts(emu):
    """200 tasks, 300 distinct contacts' addresses (100 Salesforce contacts, 100 leads, 100 strangers): the
    lookups are batched once per sync, 2 Contact queries and 1 Lead query (for the 200 no Contact has)."""
    for i in range(0, 300, 3):
        emu.insert("Contact", {"LastName": f"C{i}", "Email": f"p{i}@customer.example"})
    for i in range(1, 300, 3):
        emu.insert("Lead", {"LastName": f"L{i}", "Company": "P", "Email": f"p{i}@customer.example"})
    crm = make_adapter(emu)
    pim = memory_pim(emu)
    for n in range(200):
        # two Salesforce contacts per task (p3k and p3k+3), a lead and a stranger
        pim.put(
            todo(
                *(f"p{(n * 3 + k) % 300}@customer.example" for k in range(5)), subject=f"T{n}", day=1 + n % 20
            )
        )
    engine = engine_for(emu, pim, crm, kinds={Kind.TASK: KindSettings(require_match=True)})
    emu.reset_log()
    sync(emu, engine, Kind.TASK)
    assert len(emu.all("Task")) == 200
    assert emu.count("query", sobject="Contact") == 2
    assert emu.count("query", sobject="Lead") == 1
    # 200 tasks in one collections create, then their 200 TaskRelation rows (the second contact) in one more
    assert emu.count("composite_create") == 2
    assert len(emu.all("TaskRelation")) == 400  # each task's Who has its row too
    assert emu.errors == []


@pytest.mark.parametrize(
    ("fault", "op", "link"),
    [
        ("lose_replies", "composite_upsert", True),  # the task (with its Who and What) made, no answer
        ("drop_connections", "composite_upsert", True),  # the task never made
        ("lose_replies", "composite_create", True),  # its TaskRelation rows made, no answer
        ("server_error", "composite_create", True),  # 503 on the TaskRelation rows
        ("lose_replies", "composite_create", False),  # no link field: the plain task create, no answer
    ],
)
def test_an_interrupted_write_loses_no_relation_and_doubles_no_task(emu, crm_world, fault, op, link):
    """Whatever write of a new task got no answer, the next syncs end with one task related to every contact
    of it who is a Salesforce person."""
    crm = make_adapter(emu, link_field=LINK_FIELD if link else None)
    if link:
        emu.add_external_id("Task", LINK_FIELD)
    pim = memory_pim(emu)
    engine = engine_for(emu, pim, crm)
    pim.put(todo("ann@customer.example", "bob@customer.example", "cy@customer.example"))
    crm.describe.get("Task")
    getattr(emu.faults, fault)(1, op=op)
    emu.clock.advance(2)
    engine.sync(Kind.TASK)
    assert emu.count(op) >= 1
    for _ in range(2):
        sync(emu, engine, Kind.TASK)
    (row,) = emu.all("Task")
    assert row["WhoId"] == crm_world["ann"]
    assert people_of(emu, row["Id"]) == {crm_world["ann"], crm_world["bob"], crm_world["cy"]}


def test_exchange_tasks_bring_no_contacts_so_require_match_skips_them(emu, crm_world):
    """EWS ``Task/Contacts`` holds names, not addresses (its String child "Represents a comma-separated list of
    contact names"; https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/
    contacts-ex15websvcsotherref): an Exchange task relates to nobody, and require_match skips it."""
    ews = EwsEmulator(mailboxes=["user@mycompany.example"])
    with ews:
        try:
            pim = ExchangeAdapter(
                ews.account(default_timezone=EWSTimeZone("Europe/Berlin")), sleep=lambda s: None
            )
            engine = engine_for(
                emu, pim, make_adapter(emu), kinds={Kind.TASK: KindSettings(require_match=True)}
            )
            ews.create_item(
                folder="tasks",
                kind="Task",
                fields={"Subject": "Call Ann", "Status": "NotStarted", "Contacts": ["Ann"]},
            )
            result = sync(emu, engine, Kind.TASK)
            assert emu.all("Task") == []
            assert len(result.skipped) == 1 and "no contacts to relate it" in result.skipped[0]
            (task,) = pim.full_scan(Kind.TASK).upserts
            assert task.record.contacts == ()
        finally:
            clear_protocol_cache()
