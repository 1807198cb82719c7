"""The Salesforce side the relations tests share: one Account with two contacts, and a contact without one.

Imported by the relation tests of every PIM side (Memory, Exchange, Graph, Outlook) against the Salesforce
emulator, so each scenario reads the same world.
"""

from __future__ import annotations

from typing import Any


def acme_world(sf: Any) -> dict[str, str]:
    """Acme (an Account) with Ann and Bob, and Cy without an Account; all owned by the running user."""
    acme = sf.insert("Account", {"Name": "Acme"})

    def contact(name: str, **fields: str) -> str:
        return sf.insert("Contact", {"LastName": name, "Email": f"{name.lower()}@customer.example",
                                     "OwnerId": sf.user_id, **fields})

    return {"acme": acme, "ann": contact("Ann", AccountId=acme), "bob": contact("Bob", AccountId=acme),
            "cy": contact("Cy")}


def event_people(sf: Any, event_id: str) -> set[str]:
    """The people an event is related to: its EventRelation rows that are not the What."""
    return {row["RelationId"] for row in sf.all("EventRelation")
            if row["EventId"] == event_id and row["IsParent"] and not row["IsWhat"]}


def task_people(sf: Any, task_id: str) -> set[str]:
    """The people a task is related to: its TaskRelation rows that are not the What."""
    return {row["RelationId"] for row in sf.all("TaskRelation") if row["TaskId"] == task_id and not row["IsWhat"]}
