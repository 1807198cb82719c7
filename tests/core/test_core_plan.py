"""Plan: JSON round trip (made by a real SyncEngine over two MemoryAdapters), exclude/resolve, bad input."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import syncore
from syncore import (
    Body,
    ConfigurationError,
    Contact,
    Event,
    Kind,
    Plan,
    Side,
    SqliteStateStore,
    SyncEngine,
    Task,
)
from syncore.merge import MergeInput
from syncore.plan import Conflict, FieldChange, Operation, PairPlan
from syncore.state_types import Action
from syncore.testing import MemoryAdapter
from syncore.testing.strategies import recurring_tasks, series_events

NOW = datetime(2026, 6, 1, 9, 0, 0, 250000, tzinfo=UTC)


def clock():
    return NOW


@pytest.fixture
def setup():
    pim = MemoryAdapter(name="pim", clock=clock)
    crm = MemoryAdapter(name="crm", formatted_bodies=False, clock=clock)
    state = SqliteStateStore(":memory:")
    engine = SyncEngine(pim=pim, crm=crm, state=state, clock=clock)
    yield engine, pim, crm
    state.close()


def _crm_id(crm, kind, **match):
    [native_id] = [i for i, r in crm.records(kind).items() if all(getattr(r, k) == v for k, v in match.items())]
    return native_id


def contact_plan(engine, pim, crm) -> Plan:
    ann = pim.put(Contact(first_name="Ann", last_name="Lee", email="ann@example.com", title="Dev",
                          notes=Body(html="<p><b>VIP</b> customer</p>")))
    bob = crm.put(Contact(first_name="Bob", last_name="Roe", email="bob@example.com", birthday=date(1990, 1, 2)))
    engine.sync(Kind.CONTACT)
    ann_crm = _crm_id(crm, Kind.CONTACT, email="ann@example.com")
    pim.edit(ann, title="CEO", birthday=date(1980, 5, 6))
    crm.edit(ann_crm, title="Boss", birthday=date(1981, 5, 6))  # two conflicts (manual policy)
    crm.edit(bob, phone="+1 555 0100", mailing_city="Springfield")  # an update to the PIM
    pim.put(Contact(last_name="New", email="new@example.com", notes=Body(html="<i>fresh</i>")))  # a create
    crm.put(Contact(company="ACME Corp"))  # a create the other way
    return engine.plan(Kind.CONTACT)


def test_plan_json_round_trip(setup):
    engine, pim, crm = setup
    plan = contact_plan(engine, pim, crm)
    assert plan.count(Side.CRM, Action.CREATE) == 1 and plan.count(Side.PIM, Action.CREATE) == 1
    assert plan.count(Side.PIM, Action.UPDATE) == 1
    assert {c.field for c in plan.conflicts} == {"title", "birthday"}
    assert all(c.resolution is None for c in plan.conflicts)

    text = plan.to_json()
    json.loads(text)  # valid JSON
    loaded = Plan.from_json(text)
    assert loaded == plan
    assert loaded.to_json() == text  # exact: bodies' html, microseconds, ...
    assert loaded.created_at == plan.created_at and loaded.created_at.microsecond == 250000
    by_field = {c.field: c for c in loaded.conflicts}
    assert by_field["birthday"].pim_value == date(1980, 5, 6) and type(by_field["birthday"].pim_value) is date
    assert by_field["title"].crm_value == "Boss"
    [create] = [op for op in loaded.operations if op.target is Side.CRM and op.action is Action.CREATE]
    assert create.record.notes.html == "<i>fresh</i>"
    # a create lists the fields it sets (derived from its record), in the plan and in its JSON
    assert {(ch.field, ch.old) for ch in create.changes} == {("last_name", None), ("email", None), ("notes", None)}
    assert [ch["field"] for ch in json.loads(text)["operations"][[op.op_id for op in plan.operations].index(
        create.op_id)]["changes"]] == ["last_name", "email", "notes"]
    [update] = [op for op in loaded.operations if op.action is Action.UPDATE]
    assert update.fields == {"phone", "mailing_city"} and isinstance(update.fields, frozenset)
    assert {(ch.field, ch.new) for ch in update.changes} == {("phone", "+1 555 0100"), ("mailing_city", "Springfield")}
    assert loaded.needs_review and not loaded.is_empty


def test_plan_save_and_load(setup, tmp_path):
    engine, pim, crm = setup
    plan = contact_plan(engine, pim, crm)
    plan.exclude(plan.operations[0].op_id)
    path = tmp_path / "plan.json"
    plan.save(path)
    loaded = Plan.load(path)
    assert loaded == plan
    assert loaded.operations[0].excluded
    assert len(loaded.active_operations) == len(plan.operations) - 1


def test_event_plan_with_whole_record_conflict_round_trips(setup):
    engine, pim, crm = setup
    start = NOW + timedelta(days=2)
    pid = pim.put(Event(subject="Call", start=start, end=start + timedelta(hours=1), body="notes",
                        attendees=["b@example.com"]))
    pim.put(Event(subject="Offsite", start=date(2026, 6, 10), end=date(2026, 6, 12)))
    engine.sync(Kind.EVENT)
    cid = _crm_id(crm, Kind.EVENT, subject="Call")
    pim.edit(pid, end=start + timedelta(minutes=30))
    crm.edit(cid, start=start + timedelta(minutes=45))
    plan = engine.plan(Kind.EVENT)
    assert [c.field for c in plan.conflicts] == ["*"]
    loaded = Plan.from_json(plan.to_json())
    assert loaded == plan
    assert loaded.to_json() == plan.to_json()


def test_exclude_include_and_unknown_ids(setup):
    engine, pim, crm = setup
    plan = contact_plan(engine, pim, crm)
    op = plan.operations[0]
    with pytest.raises(ConfigurationError) as info:
        plan.exclude(op.op_id, "no-such-op")
    assert "no-such-op" in str(info.value)
    assert not op.excluded  # nothing excluded when one id is unknown
    plan.exclude(op.op_id)
    assert op.excluded and op not in plan.active_operations
    plan.include(op.op_id)
    assert not op.excluded


def test_resolve(setup):
    engine, pim, crm = setup
    plan = contact_plan(engine, pim, crm)
    conflict = plan.conflicts[0]
    with pytest.raises(ConfigurationError):
        plan.resolve("no-such-conflict", Side.PIM)
    plan.resolve(conflict.conflict_id, Side.CRM)
    assert conflict.resolution is Side.CRM and not conflict.applied
    loaded = Plan.from_json(plan.to_json())
    assert loaded.conflicts[0].resolution is Side.CRM and not loaded.conflicts[0].applied


@pytest.mark.parametrize("text", [
    "",
    "{not json",
    "{}",
    '{"format": 99}',
    '{"format": 1}',
    '{"format": 1, "plan_id": "x", "profile": "default", "kind": "meeting"}',
    "[]",
    "null",
    "42",
    '"a plan"',
])
def test_from_json_rejects_non_plans_with_configuration_error(text):
    with pytest.raises(ConfigurationError):
        Plan.from_json(text)


def test_task_plan_carrying_contacts_round_trips(setup):
    engine, pim, _ = setup
    pid = pim.put(Task(subject="Offer", due=date(2026, 6, 3), contacts=["ann@example.com"]))
    engine.sync(Kind.TASK)
    pim.edit(pid, contacts=("ann@example.com", "bob@example.com"))
    plan = engine.plan(Kind.TASK)
    [operation] = plan.operations
    assert operation.record.contacts == ("ann@example.com", "bob@example.com")
    loaded = Plan.from_json(plan.to_json())
    assert loaded == plan
    assert loaded.operations[0].record.contacts == ("ann@example.com", "bob@example.com")


def test_empty_plan_round_trip():
    plan = Plan(plan_id="p", profile="default", kind=Kind.TASK, created_at=NOW)
    assert plan.is_empty and not plan.needs_review
    assert Plan.from_json(plan.to_json()) == plan


def test_public_api_exports():
    for name in syncore.__all__:
        assert hasattr(syncore, name), name


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_plans_carrying_series_round_trip_exactly(data):
    """Creates, field changes, conflicts, pair bases and kept merge inputs that hold recurrences (the plan's
    values typed Any are structured as the field they stand for)."""
    kind = data.draw(st.sampled_from([Kind.EVENT, Kind.TASK]))
    strategy = series_events() if kind is Kind.EVENT else recurring_tasks()
    base, pim_side, crm_side = (data.draw(strategy) for _ in range(3))
    new = pim_side.recurrence
    plan = Plan(plan_id="p", profile="default", kind=kind, created_at=NOW)
    plan.operations.append(Operation(op_id="c", target=Side.CRM, action=Action.CREATE, pair_id="1", target_id=None,
                                     base_version=None, source_side=Side.PIM, source_id="pim-1", source_version="v",
                                     record=pim_side, reason="new in PIM", link="pim-1"))
    plan.operations.append(Operation(op_id="u", target=Side.PIM, action=Action.UPDATE, pair_id="2", target_id="pim-2",
                                     base_version="1", source_side=Side.CRM, source_id="crm-2", source_version="2",
                                     record=crm_side, fields=frozenset({"recurrence"}), reason="changed in CRM",
                                     changes=(FieldChange(field="recurrence", old=base.recurrence,
                                                          new=crm_side.recurrence),)))
    plan.conflicts.append(Conflict(conflict_id="k", pair_id="2", field="recurrence", pim_value=new,
                                   crm_value=crm_side.recurrence, resolution=None, reason="manual"))
    plan.pairs.append(PairPlan(pair_id="2", pim_id="pim-2", crm_id="crm-2", pim_version="1", crm_version="2",
                               base=base, merge_input=MergeInput(base=base, pim=pim_side, crm=crm_side)))
    text = plan.to_json()
    loaded = Plan.from_json(text)
    assert loaded == plan and loaded.to_json() == text
    change = loaded.operations[1].changes[0]
    assert type(change.old) is type(base.recurrence) and change.new == crm_side.recurrence
    assert loaded.conflicts[0].pim_value == new and loaded.pairs[0].merge_input.crm == crm_side
