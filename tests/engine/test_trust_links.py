"""Issue 11, item 4: a link read from a record is a claim to verify, and no record's data may stop another's.

The memory sides here behave like real backends: a batched read that names a malformed id fails as a whole
(Salesforce answers MALFORMED_ID), so one record with a garbage link used to stop its whole kind.
"""

from __future__ import annotations

from datetime import timedelta

from engine_world import make_world
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncore import Event, Kind, Side, Task
from syncore.settings import ConflictPolicy, KindSettings, SyncSettings

# What a record's link may hold: nothing, garbage, or ids of either side, of this kind or another.
LINKS = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["", " ", "crm-", "pim-", "crm-x1", "crm-1; DROP TABLE", "crm-١", "CRM-1", "crm--1"]),
    st.tuples(st.sampled_from(["own", "other", "other-task", "missing"]), st.integers(0, 5)),
)


def _resolve(link, side_name: str, other_name: str, ids: dict[str, list[str]], task_ids: dict[str, list[str]]):
    if not isinstance(link, tuple):
        return link
    where, index = link
    if where == "missing":
        return f"{other_name}-{900 + index}"
    pool = {"own": ids[side_name], "other": ids[other_name], "other-task": task_ids[other_name]}[where]
    return pool[index % len(pool)] if pool else None


RECORDS = st.lists(st.tuples(LINKS, st.booleans()), max_size=5)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pim_specs=RECORDS, crm_specs=RECORDS, include_private=st.booleans())
def test_arbitrary_link_values_never_stop_a_sync_and_every_record_is_synced_or_reported(
    pim_specs, crm_specs, include_private
):
    world = make_world()
    world.crm = type(world.pim)(name="crm", formatted_bodies=False, link_ids=True, clock=world.clock)
    job = KindSettings(include_private=include_private)
    # (records paired by a link never agreed before: their differing fields are conflicts, settled by policy)
    engine = world.make_engine(SyncSettings(kinds={Kind.EVENT: job}, conflict_policy=ConflictPolicy.PIM_WINS))
    sides = {"pim": world.pim, "crm": world.crm}
    start = world.now + timedelta(days=1)
    task_ids = {name: [adapter.put(Task(subject=f"{name} task"))] for name, adapter in sides.items()}
    # first create every record without links (ids must exist before other records can name them) ...
    ids: dict[str, list[str]] = {}
    private: set[str] = set()
    for name, specs in (("pim", pim_specs), ("crm", crm_specs)):
        ids[name] = []
        for i, (_, is_private) in enumerate(specs):
            when = start + timedelta(hours=i)
            native_id = sides[name].put(Event(subject=f"{name} {i}", start=when, end=when + timedelta(minutes=30),
                                              private=is_private))
            ids[name].append(native_id)
            if is_private:
                private.add(native_id)
    # ... then give each one its link claim
    links = {}
    for name, other, specs in (("pim", "crm", pim_specs), ("crm", "pim", crm_specs)):
        for native_id, (link, _) in zip(ids[name], specs, strict=True):
            links[native_id] = _resolve(link, name, other, ids, task_ids)
            store = sides[name]._stores[Kind.EVENT]
            store.items[native_id].link = links[native_id]

    plan = engine.plan(Kind.EVENT)
    result = engine.apply(plan)
    assert result.stopped is None and not result.errors
    reported = {(skip.side, skip.native_id) for skip in plan.skipped}

    pairs = list(world.state.iter_pairs("default", Kind.EVENT))
    paired = {Side.PIM: {p.pim_id for p in pairs}, Side.CRM: {p.crm_id for p in pairs}}
    assert len(paired[Side.PIM]) == len(paired[Side.CRM]) == len(pairs)  # one to one
    originals = {Side.PIM: ids["pim"], Side.CRM: ids["crm"]}
    for side, native_ids in originals.items():
        for native_id in native_ids:
            # every record the user made is synced, or named in the report with a reason
            assert native_id in paired[side] or (side, native_id) in reported, (side, native_id, links[native_id])
            link = links[native_id]
            if link and not sides[side.other.value].is_native_id(Kind.EVENT, link):
                assert native_id not in paired[side]
                assert any(skip.native_id == native_id and "link" in skip.reason for skip in plan.skipped)
            if native_id in private and not include_private:
                assert native_id not in paired[side]
    # nothing private reached the other side, by a create or by pairing
    if not include_private:
        for adapter in sides.values():
            assert not private & set(adapter.created_from.values())
    assert engine.plan(Kind.EVENT).is_empty  # and a second sync has nothing left to do


def test_a_link_naming_a_private_appointment_does_not_copy_it():
    world = make_world()
    engine = world.make_engine()
    start = world.now + timedelta(days=1)
    secret = world.pim.put(Event(subject="Doctor", start=start, end=start + timedelta(hours=1), private=True,
                                 location="Clinic"))
    crm_id = world.crm.put(Event(subject="Imported", start=start, end=start + timedelta(hours=1)), link=secret)
    plan = engine.plan(Kind.EVENT)
    assert not plan.active_operations
    assert {(s.side, s.native_id) for s in plan.skipped} >= {(Side.PIM, secret), (Side.CRM, crm_id)}
    engine.apply(plan)
    assert world.crm.records(Kind.EVENT)[crm_id].location == ""  # not overwritten with the private details


def test_a_match_with_a_private_appointment_does_not_pair_them():
    world = make_world()
    engine = world.make_engine()
    start = world.now + timedelta(days=1)
    world.pim.put(Event(subject="Review", start=start, end=start + timedelta(hours=1), private=True,
                        location="Home"))
    world.crm.put(Event(subject="Review", start=start, end=start + timedelta(hours=1)))
    engine.sync(Kind.EVENT)
    assert [r.location for r in world.crm.records(Kind.EVENT).values()] == [""]
    assert len(world.pim.records(Kind.EVENT)) == 1
    assert world.state.count_pairs("default", Kind.EVENT) == 0
