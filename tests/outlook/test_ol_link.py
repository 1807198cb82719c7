"""The link id lives in a UserProperty defined in the folder; find_by_link uses the table scan."""

from __future__ import annotations

import pytest

from syncore.models import Kind, Task
from syncore.remote import CreateRequest, UpdateRequest
from syncore_outlook import OutlookComAdapter
from syncore_outlook import constants as C


def _task(n: int) -> Task:
    return Task(subject=f"Task {n}")


def test_link_is_a_folder_defined_user_property(fake, outlook):
    (out,) = outlook.create(Kind.TASK, [CreateRequest(ref="c", record=_task(1), link="00T000000000001AAA")])
    stored = fake.record(out.id)
    assert stored.user_props["syncorelink"].value == "00T000000000001AAA"
    assert stored.user_props["syncorelink"].type == C.olText
    assert "syncorelink" in fake.folder("tasks").fields
    assert outlook.fetch(Kind.TASK, [out.id])[out.id].link == "00T000000000001AAA"


def test_find_by_link_opens_only_the_matches(fake, outlook):
    requests = [CreateRequest(ref=str(n), record=_task(n), link=f"SF{n:03d}") for n in range(30)]
    outcomes = outlook.create(Kind.TASK, requests)
    fake.user_create("tasks", Subject="no link")
    fake.reset_counters()
    found = outlook.find_by_link(Kind.TASK, ["SF007", "SF021", "SF999"])
    assert set(found) == {"SF007", "SF021"}
    assert found["SF007"].id == outcomes[7].id
    assert fake.item_opens == 2


def test_link_written_by_the_user_is_found(fake, outlook):
    eid = fake.user_create("tasks", Subject="typed in", UserProperties={"SyncoreLink": "SF-USER"})
    assert outlook.find_by_link(Kind.TASK, ["SF-USER"])["SF-USER"].id == eid


def test_update_can_set_the_link(fake, outlook):
    eid = fake.user_create("tasks", Subject="later linked")
    record = outlook.fetch(Kind.TASK, [eid])[eid].record
    (out,) = outlook.update(Kind.TASK, [UpdateRequest(ref="u", id=eid, record=record, fields=frozenset(),
                                                      link="SF-LATE")])
    assert out.ok
    assert outlook.fetch(Kind.TASK, [eid])[eid].link == "SF-LATE"


def test_custom_link_property_name(fake):
    adapter = OutlookComAdapter(fake.application, link_property="SalesforceId")
    (out,) = adapter.create(Kind.TASK, [CreateRequest(ref="c", record=_task(1), link="00T1")])
    assert fake.record(out.id).user_props["salesforceid"].value == "00T1"
    assert adapter.find_by_link(Kind.TASK, ["00T1"])["00T1"].id == out.id


def test_invalid_link_property_name_is_refused(fake):
    with pytest.raises(ValueError, match=r"\[ \] _ #"):
        OutlookComAdapter(fake.application, link_property="Syncore_Link")


def test_capabilities(outlook):
    caps = outlook.capabilities
    assert caps.link_ids and caps.formatted_bodies
    assert caps.kinds == set(Kind)
    assert outlook.adapter_name == "outlook"
