"""Unit tests for the engine's rules, one behaviour per test, through the public API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from engine_world import NOW, World

from syncore import (
    Body,
    ConflictPolicy,
    Contact,
    Direction,
    Event,
    Kind,
    KindSettings,
    Plan,
    ShowAs,
    Side,
    SyncSettings,
    Task,
)
from syncore.errors import RecordRejected, SafetyLimitExceeded, TransientError
from syncore.results import EventType
from syncore.state_types import Action, PendingCategory
from syncore.testing.invariants import assert_in_step


def meeting(subject: str = "Kickoff", hours: int = 24, **fields) -> Event:
    start = NOW + timedelta(hours=hours)
    return Event(subject=subject, start=start, end=start + timedelta(hours=1), **fields)


def only(records: dict) -> object:
    assert len(records) == 1, records
    return next(iter(records.values()))


# -- creation and first-sync matching -----------------------------------------------------------------------
def test_new_records_are_created_on_the_other_side(world: World) -> None:
    world.pim.put(meeting("From Outlook"))
    world.crm.put(Contact(first_name="Ada", last_name="Lovelace", email="ada@example.com"))
    world.engine.sync(Kind.EVENT)
    world.engine.sync(Kind.CONTACT)
    assert only(world.crm.records(Kind.EVENT)).subject == "From Outlook"
    assert only(world.pim.records(Kind.CONTACT)).email == "ada@example.com"


def test_first_sync_pairs_contacts_by_email_case_insensitively(world: World) -> None:
    world.pim.put(Contact(first_name="Ada", last_name="Lovelace", email="ADA@example.com", phone="+1 555"))
    world.crm.put(Contact(first_name="Ada", last_name="Lovelace", email="ada@EXAMPLE.com", title="Countess"))
    result = world.engine.sync(Kind.CONTACT)
    assert result.summary.count(Side.PIM, Action.CREATE) == result.summary.count(Side.CRM, Action.CREATE) == 0
    pim, crm = only(world.pim.records(Kind.CONTACT)), only(world.crm.records(Kind.CONTACT))
    # each side's extra field travels to the other, nothing is duplicated
    assert pim.title == crm.title == "Countess" and pim.phone == crm.phone == "+1 555"


def test_first_sync_pairs_contacts_by_name_and_company_when_no_email(world: World) -> None:
    world.pim.put(Contact(first_name="Alan", last_name="Turing", company="NPL"))
    world.crm.put(Contact(first_name="alan ", last_name="TURING", company="npl"))
    world.engine.sync(Kind.CONTACT)
    assert len(world.pim.records(Kind.CONTACT)) == len(world.crm.records(Kind.CONTACT)) == 1


def test_first_sync_pairs_events_by_subject_start_end(world: World) -> None:
    world.pim.put(meeting("Board"))
    world.crm.put(meeting("Board"))
    world.crm.put(meeting("Board", hours=48))
    world.engine.sync(Kind.EVENT)
    assert len(world.pim.records(Kind.EVENT)) == len(world.crm.records(Kind.EVENT)) == 2


def test_first_sync_pairs_tasks_by_subject_and_due_or_subject_alone(world: World) -> None:
    world.pim.put(Task(subject="Call", due=date(2026, 11, 30)))
    world.crm.put(Task(subject="Call", due=date(2026, 11, 30)))
    world.pim.put(Task(subject="Someday"))
    world.crm.put(Task(subject="someday"))
    world.engine.sync(Kind.TASK)
    assert len(world.pim.records(Kind.TASK)) == len(world.crm.records(Kind.TASK)) == 2


def test_ambiguous_matches_are_reported_not_guessed(world: World) -> None:
    world.pim.put(Contact(first_name="A", last_name="One", email="dup@example.com"))
    world.pim.put(Contact(first_name="B", last_name="Two", email="dup@example.com"))
    world.crm.put(Contact(first_name="C", last_name="Three", email="dup@example.com"))
    plan = world.engine.plan(Kind.CONTACT)
    assert plan.operations == []
    assert len(plan.skipped) == 3 and all("ambiguous" in skip.reason for skip in plan.skipped)
    world.engine.apply(plan)
    pending = world.engine.pending(Kind.CONTACT)
    assert {p.category for p in pending} == {PendingCategory.AMBIGUOUS} and len(pending) == 3


# -- field-level merge ---------------------------------------------------------------------------------------
def test_different_fields_changed_on_both_sides_are_both_kept(world: World) -> None:
    pim_id = world.pim.put(meeting())
    world.engine.sync(Kind.EVENT)
    crm_id = only_id(world.crm.records(Kind.EVENT))
    world.pim.edit(pim_id, location="Room 1")
    world.crm.edit(crm_id, subject="Kickoff (moved)")
    world.engine.sync(Kind.EVENT)
    for side in (world.pim, world.crm):
        record = only(side.records(Kind.EVENT))
        assert (record.location, record.subject) == ("Room 1", "Kickoff (moved)")


def only_id(records: dict) -> str:
    assert len(records) == 1
    return next(iter(records))


@pytest.mark.parametrize(
    ("policy", "winner"),
    [(ConflictPolicy.PIM_WINS, "pim"), (ConflictPolicy.CRM_WINS, "crm"), (ConflictPolicy.NEWEST_WINS, "crm")],
)
def test_conflicting_edits_follow_the_policy(world: World, policy: ConflictPolicy, winner: str) -> None:
    world.make_engine(SyncSettings(conflict_policy=policy))
    pim_id = world.pim.put(meeting())
    world.engine.sync(Kind.EVENT)
    crm_id = only_id(world.crm.records(Kind.EVENT))
    world.pim.edit(pim_id, subject="pim")
    world.advance(minutes=1)  # the CRM edit is the newer one
    world.crm.edit(crm_id, subject="crm")
    plan = world.engine.plan(Kind.EVENT)
    assert [(c.field, c.resolution) for c in plan.conflicts] == [("subject", Side(winner))]
    world.engine.apply(plan)
    assert world.pim.records(Kind.EVENT)[pim_id].subject == world.crm.records(Kind.EVENT)[crm_id].subject == winner


def test_manual_conflict_is_left_for_review_and_kept_until_resolved(world: World) -> None:
    pim_id = world.pim.put(meeting())
    world.engine.sync(Kind.EVENT)
    crm_id = only_id(world.crm.records(Kind.EVENT))
    world.pim.edit(pim_id, subject="pim", location="A")
    world.crm.edit(crm_id, subject="crm")
    plan = world.engine.plan(Kind.EVENT)
    (conflict,) = plan.conflicts
    assert conflict.resolution is None and plan.needs_review
    world.engine.apply(plan)
    # nothing was overwritten, the other field still travelled
    assert world.pim.records(Kind.EVENT)[pim_id].subject == "pim"
    assert world.crm.records(Kind.EVENT)[crm_id].subject == "crm"
    assert world.crm.records(Kind.EVENT)[crm_id].location == "A"
    # the conflict comes back at the next sync even though neither side changed again
    again = world.engine.plan(Kind.EVENT)
    assert [c.field for c in again.conflicts] == ["subject"]
    again.resolve(again.conflicts[0].conflict_id, Side.CRM)
    world.engine.apply(again)
    assert world.pim.records(Kind.EVENT)[pim_id].subject == "crm"
    assert world.engine.plan(Kind.EVENT).conflicts == []


def test_newest_wins_leaves_a_tie_of_a_first_sync_match_for_review(world: World) -> None:
    """The series state machine's seed 7 (soak2k): the same all-day event entered on both sides in the same second,
    apart from its reminder. docs/concepts.md, "Conflict rules": under ``newest_wins`` "a tie or a missing time
    leaves it for review" -- nothing is written for that field, the conflict is listed and kept (as ``manual``
    does), and the pair is in step in every other field. A later change on one side breaks the tie."""
    world.make_engine(SyncSettings(conflict_policy=ConflictPolicy.NEWEST_WINS))
    event = Event(subject="", start=date(2026, 12, 1), end=date(2026, 12, 3), location="O'Brien",
                  body=Body(text="agenda Q3 budget"))
    pim_id = world.pim.put(event.replace(reminder_minutes=1028))
    crm_id = world.crm.put(event.replace(reminder_minutes=1029))  # the same instant: neither changed last
    plan = world.engine.plan(Kind.EVENT)
    assert [(c.field, c.pim_value, c.crm_value, c.resolution) for c in plan.conflicts] == [
        ("reminder_minutes", 1028, 1029, None)]
    assert plan.operations == []
    world.engine.apply(plan)
    assert world.pim.records(Kind.EVENT)[pim_id].reminder_minutes == 1028
    assert world.crm.records(Kind.EVENT)[crm_id].reminder_minutes == 1029
    assert [(p.pim_id, p.crm_id, p.conflicts) for p in world.state.iter_pairs("default", Kind.EVENT)] == [
        (pim_id, crm_id, {"reminder_minutes"})]
    assert [(p.side, p.native_id, p.category) for p in world.state.pending("default", Kind.EVENT)] == [
        (Side.PIM, pim_id, PendingCategory.CONFLICT)]
    # the state machines' invariant excuses exactly that field of exactly that pair, and nothing else
    records = {Side.PIM: world.pim.records(Kind.EVENT), Side.CRM: world.crm.records(Kind.EVENT)}
    assert_in_step(world.state, "default", Kind.EVENT, records, world.crm.represent,
                   left_for_review={(pim_id, crm_id, "reminder_minutes")})
    with pytest.raises(AssertionError, match=r"pair differs in \['reminder_minutes'\]"):
        assert_in_step(world.state, "default", Kind.EVENT, records, world.crm.represent)
    with pytest.raises(AssertionError, match=r"pair differs in \['reminder_minutes'\]"):
        assert_in_step(world.state, "default", Kind.EVENT, records, world.crm.represent,
                       left_for_review={(pim_id, crm_id, "location")})
    # the next sync writes nothing and lists it again
    again = world.engine.plan(Kind.EVENT)
    assert again.operations == [] and [c.field for c in again.conflicts] == ["reminder_minutes"]
    world.engine.apply(again)
    # a later change in the CRM: the CRM changed last, its reminder wins and the conflict is settled
    world.advance(minutes=1)
    world.crm.edit(crm_id, location="Room 2")
    world.engine.sync(Kind.EVENT)
    pim, crm = world.pim.records(Kind.EVENT)[pim_id], world.crm.records(Kind.EVENT)[crm_id]
    assert (pim.location, pim.reminder_minutes) == (crm.location, crm.reminder_minutes) == ("Room 2", 1029)
    assert [p.conflicts for p in world.state.iter_pairs("default", Kind.EVENT)] == [frozenset()]
    assert world.state.pending("default", Kind.EVENT) == []


def test_same_edit_on_both_sides_is_not_a_conflict(world: World) -> None:
    pim_id = world.pim.put(meeting())
    world.engine.sync(Kind.EVENT)
    world.pim.edit(pim_id, subject="Same")
    world.crm.edit(only_id(world.crm.records(Kind.EVENT)), subject="Same")
    plan = world.engine.plan(Kind.EVENT)
    assert plan.conflicts == [] and plan.operations == []


# -- formatted bodies ------------------------------------------------------------------------------------------
def test_formatted_outlook_body_is_kept_while_other_fields_update(world: World) -> None:
    html = "<html><body><p>Agenda: <b>budget</b></p></body></html>"
    pim_id = world.pim.put(meeting(body=Body(html=html)))
    world.engine.sync(Kind.EVENT)
    crm_id = only_id(world.crm.records(Kind.EVENT))
    assert world.crm.records(Kind.EVENT)[crm_id].body.text == "Agenda: budget"
    new_start = NOW + timedelta(days=3)
    world.crm.edit(crm_id, body=Body(text="Agenda: budget, hiring"), start=new_start, end=new_start + timedelta(hours=1))
    world.engine.sync(Kind.EVENT)
    kept = world.pim.records(Kind.EVENT)[pim_id]
    assert kept.body.html == html and kept.start == new_start
    assert any(e.type is EventType.BODY_KEPT for e in world.events)
    # the divergence is remembered: no ping-pong
    assert world.engine.plan(Kind.EVENT).operations == []
    # a later Outlook body edit still reaches Salesforce
    world.pim.edit(pim_id, body=Body(html="<p><i>Agenda v2</i></p>"))
    world.engine.sync(Kind.EVENT)
    assert world.crm.records(Kind.EVENT)[crm_id].body.text == "Agenda v2"


def test_plain_outlook_body_follows_salesforce(world: World) -> None:
    pim_id = world.pim.put(meeting(body=Body(text="old")))
    world.engine.sync(Kind.EVENT)
    world.crm.edit(only_id(world.crm.records(Kind.EVENT)), body=Body(text="new"))
    world.engine.sync(Kind.EVENT)
    assert world.pim.records(Kind.EVENT)[pim_id].body.text == "new"


def test_keeping_formatted_bodies_can_be_switched_off(world: World) -> None:
    world.make_engine(SyncSettings(preserve_formatted_bodies=False))
    pim_id = world.pim.put(meeting(body=Body(html="<p><b>bold</b></p>")))
    world.engine.sync(Kind.EVENT)
    world.crm.edit(only_id(world.crm.records(Kind.EVENT)), body=Body(text="plain now"))
    world.engine.sync(Kind.EVENT)
    assert world.pim.records(Kind.EVENT)[pim_id].body == Body(text="plain now")


# -- deletions ----------------------------------------------------------------------------------------------------
def test_deletion_propagates_and_tombstone_keeps_it_gone(world: World) -> None:
    pim_id = world.pim.put(meeting())
    world.engine.sync(Kind.EVENT)
    world.pim.remove(pim_id)
    result = world.engine.sync(Kind.EVENT)
    assert result.summary.count(Side.CRM, Action.DELETE) == 1
    assert world.crm.records(Kind.EVENT) == {}
    assert world.state.count_pairs("default", Kind.EVENT) == 0


def test_modify_beats_delete_and_the_record_is_recreated(world: World) -> None:
    pim_id = world.pim.put(meeting())
    world.engine.sync(Kind.EVENT)
    world.pim.remove(pim_id)
    world.crm.edit(only_id(world.crm.records(Kind.EVENT)), subject="Still needed")
    plan = world.engine.plan(Kind.EVENT)
    (op,) = plan.operations
    assert (op.target, op.action) == (Side.PIM, Action.CREATE) and "re-created" in op.reason
    world.engine.apply(plan)
    assert only(world.pim.records(Kind.EVENT)).subject == "Still needed"
    assert world.engine.plan(Kind.EVENT).operations == []


def test_delete_not_allowed_on_a_side_leaves_the_record_and_does_not_bring_it_back(world: World) -> None:
    world.make_engine(SyncSettings(kinds={Kind.EVENT: KindSettings(delete_on=["pim"])}))
    pim_id = world.pim.put(meeting())
    world.engine.sync(Kind.EVENT)
    world.pim.remove(pim_id)
    result = world.engine.sync(Kind.EVENT)
    assert len(world.crm.records(Kind.EVENT)) == 1  # not deleted in the CRM
    assert any("not propagated" in s for s in result.skipped)
    # a full scan of the CRM sees the record unpaired; its tombstone keeps it from coming back
    world.state.set_cursor("default", Kind.EVENT, Side.CRM, None)
    plan = world.engine.plan(Kind.EVENT)
    assert plan.operations == [] and any("tombstone" in s.reason for s in plan.skipped)


def test_both_sides_deleted_forgets_the_pair(world: World) -> None:
    pim_id = world.pim.put(meeting())
    world.engine.sync(Kind.EVENT)
    world.pim.remove(pim_id)
    world.crm.remove(only_id(world.crm.records(Kind.EVENT)))
    plan = world.engine.plan(Kind.EVENT)
    assert plan.operations == []
    world.engine.apply(plan)
    assert world.state.count_pairs("default", Kind.EVENT) == 0


# -- directions, prevented operations, ranges, private -------------------------------------------------------------
def test_one_way_pim_to_crm_ignores_crm_changes(world: World) -> None:
    world.make_engine(SyncSettings(kinds={Kind.EVENT: KindSettings(direction=Direction.PIM_TO_CRM)}))
    pim_id = world.pim.put(meeting())
    world.crm.put(meeting("CRM only", hours=30))
    world.engine.sync(Kind.EVENT)
    assert {e.subject for e in world.pim.records(Kind.EVENT).values()} == {"Kickoff"}
    crm_copy = next(i for i, e in world.crm.records(Kind.EVENT).items() if e.subject == "Kickoff")
    world.crm.edit(crm_copy, location="CRM edit")
    world.pim.edit(pim_id, subject="PIM edit")
    world.engine.sync(Kind.EVENT)
    assert world.pim.records(Kind.EVENT)[pim_id].location == ""
    assert world.crm.records(Kind.EVENT)[crm_copy].subject == "PIM edit"


def test_prevented_update_is_never_copied_backwards(world: World) -> None:
    world.make_engine(SyncSettings(kinds={Kind.CONTACT: KindSettings(update_on=["pim"])}))
    pim_id = world.pim.put(Contact(last_name="Hopper", title="Rear Admiral"))
    world.engine.sync(Kind.CONTACT)
    crm_id = only_id(world.crm.records(Kind.CONTACT))
    world.pim.edit(pim_id, title="Commodore")
    world.engine.sync(Kind.CONTACT)
    assert world.crm.records(Kind.CONTACT)[crm_id].title == "Rear Admiral"  # CRM updates prevented
    world.crm.edit(crm_id, phone="+1 555")  # another field changes in the CRM later
    world.engine.sync(Kind.CONTACT)
    assert world.pim.records(Kind.CONTACT)[pim_id].title == "Commodore"  # the PIM edit survives
    assert world.pim.records(Kind.CONTACT)[pim_id].phone == "+1 555"


def test_a_prevented_value_put_back_is_no_edit(world: World) -> None:
    """A value that could not be written to the other side never became the agreed state: putting it back is an
    edit undone (docs/concepts.md, "Conflict rules"), so only the other side's edit counts, even under crm_wins."""
    one_way = KindSettings(update_on=["crm"])
    world.make_engine(SyncSettings(conflict_policy=ConflictPolicy.CRM_WINS, kinds={Kind.CONTACT: one_way}))
    pim_id = world.pim.put(Contact(last_name="Hopper", title="Rear Admiral"))
    world.engine.sync(Kind.CONTACT)
    crm_id = only_id(world.crm.records(Kind.CONTACT))
    world.crm.edit(crm_id, title="Commodore")
    world.engine.sync(Kind.CONTACT)
    assert world.pim.records(Kind.CONTACT)[pim_id].title == "Rear Admiral"  # PIM updates prevented
    world.make_engine(SyncSettings(conflict_policy=ConflictPolicy.CRM_WINS))  # both ways again
    world.crm.edit(crm_id, title="Rear Admiral")
    world.pim.edit(pim_id, title="Captain")
    plan = world.engine.plan(Kind.CONTACT)
    assert plan.conflicts == []
    world.engine.apply(plan)
    assert world.pim.records(Kind.CONTACT)[pim_id].title == world.crm.records(Kind.CONTACT)[crm_id].title == "Captain"


def test_events_outside_the_date_range_are_skipped(world: World) -> None:
    world.pim.put(meeting("Ancient", hours=-24 * 40))
    world.pim.put(meeting("Far future", hours=24 * 400))
    world.pim.put(meeting("Soon"))
    plan = world.engine.plan(Kind.EVENT)
    assert [op.record.subject for op in plan.operations] == ["Soon"]
    assert sum("date range" in s.reason for s in plan.skipped) == 2


def test_private_items_are_skipped_unless_enabled(world: World) -> None:
    world.pim.put(meeting("Doctor", private=True))
    assert world.engine.plan(Kind.EVENT).operations == []
    world.make_engine(SyncSettings(kinds={Kind.EVENT: KindSettings(include_private=True)}))
    assert len(world.engine.plan(Kind.EVENT).operations) == 1


# -- safety ----------------------------------------------------------------------------------------------------------
def test_mass_delete_is_refused_unless_forced(world: World) -> None:
    ids = [world.pim.put(meeting(f"M{i}", hours=24 + i)) for i in range(10)]
    world.engine.sync(Kind.EVENT)
    for native_id in ids[:8]:
        world.pim.remove(native_id)
    plan = world.engine.plan(Kind.EVENT)
    assert plan.safety and plan.count(Side.CRM, Action.DELETE) == 8
    with pytest.raises(SafetyLimitExceeded, match="would delete 8 of 10"):
        world.engine.apply(plan)
    assert len(world.crm.records(Kind.EVENT)) == 10  # nothing written
    world.engine.apply(plan, force=True)
    assert len(world.crm.records(Kind.EVENT)) == 2


def test_an_emptied_side_is_not_mirrored(world: World) -> None:
    for i in range(3):
        world.pim.put(meeting(f"M{i}", hours=24 + i))
    world.engine.sync(Kind.EVENT)
    world.state.set_cursor("default", Kind.EVENT, Side.PIM, None)  # forces a full scan of the PIM
    for native_id in list(world.pim.records(Kind.EVENT)):
        world.pim.remove(native_id)
    plan = world.engine.plan(Kind.EVENT)
    assert any("no event" in finding for finding in plan.safety)
    with pytest.raises(SafetyLimitExceeded):
        world.engine.apply(plan)


# -- review ----------------------------------------------------------------------------------------------------------
def test_plan_writes_nothing_and_lists_changes_old_to_new(world: World) -> None:
    pim_id = world.pim.put(meeting())
    world.engine.sync(Kind.EVENT)
    world.pim.edit(pim_id, location="Room 9")
    before_pim, before_crm = world.pim.calls.copy(), world.crm.calls.copy()
    plan = world.engine.plan(Kind.EVENT)
    for adapter, before in ((world.pim, before_pim), (world.crm, before_crm)):
        assert all(adapter.calls[op] == before[op] for op in ("create", "update", "delete"))
    (op,) = plan.operations
    assert (op.target, op.action) == (Side.CRM, Action.UPDATE)
    assert [(c.field, c.old, c.new) for c in op.changes] == [("location", "", "Room 9")]


def test_excluded_operation_is_not_applied_and_is_offered_again(world: World) -> None:
    world.pim.put(meeting("A"))
    world.pim.put(meeting("B", hours=30))
    plan = world.engine.plan(Kind.EVENT)
    excluded = next(op for op in plan.operations if op.record.subject == "B")
    plan.exclude(excluded.op_id)
    world.engine.apply(plan)
    assert {e.subject for e in world.crm.records(Kind.EVENT).values()} == {"A"}
    again = world.engine.plan(Kind.EVENT)
    assert [op.record.subject for op in again.operations] == ["B"]


def test_every_operation_has_its_own_id_creates_and_two_sided_updates_alike(world: World) -> None:
    # a create goes by its new pair's id (issue 18, T6): still one operation per id, excluded alone
    pim_id = world.pim.put(meeting("Both sides edit"))
    world.engine.sync(Kind.EVENT)
    (crm_id,) = world.crm.records(Kind.EVENT)
    world.pim.edit(pim_id, location="Room 9")
    world.crm.edit(crm_id, subject="Renamed in the CRM")
    world.pim.put(meeting("New in the PIM", hours=30))
    world.crm.put(meeting("New in the CRM", hours=54))
    plan = world.engine.plan(Kind.EVENT)
    assert sorted((op.target, op.action) for op in plan.operations) == sorted(
        [(Side.CRM, Action.UPDATE), (Side.PIM, Action.UPDATE), (Side.CRM, Action.CREATE), (Side.PIM, Action.CREATE)])
    assert len({op.op_id for op in plan.operations}) == 4
    create = next(op for op in plan.operations if op.action is Action.CREATE and op.target is Side.CRM)
    plan.exclude(create.op_id)
    assert [op for op in plan.operations if op.excluded] == [create]
    world.engine.apply(plan)
    assert "New in the PIM" not in {e.subject for e in world.crm.records(Kind.EVENT).values()}
    assert "New in the CRM" in {e.subject for e in world.pim.records(Kind.EVENT).values()}


def test_saved_plan_applies_after_loading(world: World, tmp_path) -> None:
    world.pim.put(meeting("Saved"))
    path = tmp_path / "plan.json"
    world.engine.plan(Kind.EVENT).save(path)
    result = world.engine.apply(Plan.load(path))
    assert result.summary.count(Side.CRM, Action.CREATE) == 1
    assert only(world.crm.records(Kind.EVENT)).subject == "Saved"


def test_apply_skips_operations_whose_source_changed_since_the_plan(world: World) -> None:
    pim_id = world.pim.put(meeting("v1"))
    plan = world.engine.plan(Kind.EVENT)
    world.pim.edit(pim_id, subject="v2")
    result = world.engine.apply(plan)
    assert world.crm.records(Kind.EVENT) == {}
    assert any("changed after the plan" in s for s in result.skipped)
    world.engine.sync(Kind.EVENT)
    assert only(world.crm.records(Kind.EVENT)).subject == "v2"


def test_apply_never_deletes_a_record_edited_since_the_plan_was_made(world: World) -> None:
    """A plan saved while a meeting was deleted in the PIM deletes its CRM copy; if a user edits that copy before
    the plan is applied, the delete would lose the edit (a delete carries no version the sides check): it is
    skipped, and the next sync brings the edited meeting back (found by the engine state machine, seed 123)."""
    pim_id = world.pim.put(meeting("v1"))
    world.engine.sync(Kind.EVENT)
    crm_id = only_id(world.crm.records(Kind.EVENT))
    world.pim.remove(pim_id)
    plan = world.engine.plan(Kind.EVENT)
    assert [(op.target, op.action) for op in plan.operations] == [(Side.CRM, Action.DELETE)]
    world.crm.edit(crm_id, subject="v2")
    result = world.engine.apply(plan)
    assert world.crm.records(Kind.EVENT)[crm_id].subject == "v2"
    assert any("changed since the plan read it" in s for s in result.skipped), result.skipped
    world.engine.sync(Kind.EVENT)
    assert only(world.pim.records(Kind.EVENT)).subject == "v2"


def test_apply_parks_the_delete_of_a_record_edited_since_the_plan_read_it(world: World) -> None:
    """The recheck of a saved plan re-reads a delete's target and compares what it holds with what the plan took it
    to hold: changed, the delete is parked with the reason, retried at the next sync."""
    pim_id = world.pim.put(meeting("v1"))
    world.engine.sync(Kind.EVENT)
    crm_id = only_id(world.crm.records(Kind.EVENT))
    world.pim.remove(pim_id)
    plan = world.engine.plan(Kind.EVENT)
    world.crm.edit(crm_id, location="Room 9")
    result = world.engine.apply(plan)
    assert result.skipped == [("crm event 'v1': changed since the plan read it: not deleted, so that change is not "
                              "lost")]
    assert world.crm.records(Kind.EVENT)[crm_id].location == "Room 9"
    [pending] = [p for p in world.engine.pending(Kind.EVENT) if p.side is Side.CRM]
    assert (pending.native_id, pending.reason) == (crm_id, ("changed since the plan read it: not deleted, so that "
                                                           "change is not lost"))


def test_apply_deletes_a_record_whose_version_moved_without_an_edit(world: World) -> None:
    """A version can move without a change of content (a write of the values it has, an update of ours whose reply
    was lost): the target still holds what the plan took it to hold, so the saved plan's delete is made."""
    pim_id = world.pim.put(meeting("v1", location="Room 1"))
    world.engine.sync(Kind.EVENT)
    crm_id = only_id(world.crm.records(Kind.EVENT))
    world.pim.remove(pim_id)
    plan = world.engine.plan(Kind.EVENT)
    version = world.crm.fetch(Kind.EVENT, [crm_id])[crm_id].version
    world.crm.edit(crm_id, location="Room 1")  # (the value it has)
    assert world.crm.fetch(Kind.EVENT, [crm_id])[crm_id].version != version
    result = world.engine.apply(plan)
    assert result.ok and result.skipped == [], result.skipped
    assert world.crm.records(Kind.EVENT) == {}
    assert world.engine.pending(Kind.EVENT) == []


# -- failures ------------------------------------------------------------------------------------------------------
def test_one_bad_record_does_not_stop_the_others_and_is_retried_with_back_off(world: World) -> None:
    world.make_engine(SyncSettings(retry_base=timedelta(minutes=10)))
    world.pim.put(meeting("good"))
    world.pim.put(meeting("bad", hours=30))
    world.crm.fail_record(lambda r: r.subject == "bad", RecordRejected("Subject rejected by rule", code="X"), times=1)
    result = world.engine.sync(Kind.EVENT)
    assert [e.subject for e in world.crm.records(Kind.EVENT).values()] == ["good"]
    (error,) = result.errors
    assert "Subject rejected by rule" in error.message
    (pending,) = world.engine.pending(Kind.EVENT)
    assert pending.category is PendingCategory.FAILED and pending.attempts == 1
    world.engine.sync(Kind.EVENT)  # not due yet
    assert len(world.crm.records(Kind.EVENT)) == 1
    world.advance(minutes=11)
    world.engine.sync(Kind.EVENT)
    assert {e.subject for e in world.crm.records(Kind.EVENT).values()} == {"good", "bad"}
    assert world.engine.pending(Kind.EVENT) == []


def test_a_failing_record_can_be_ignored(world: World) -> None:
    pim_id = world.pim.put(meeting("bad"))
    world.crm.fail_record(lambda r: True)
    world.engine.sync(Kind.EVENT)
    world.engine.ignore(Kind.EVENT, Side.PIM, pim_id)
    world.crm.clear_faults()
    world.advance(days=2)
    world.engine.sync(Kind.EVENT)
    assert world.crm.records(Kind.EVENT) == {}


def test_a_failed_call_parks_its_records_and_keeps_the_rest(world: World) -> None:
    world.make_engine(SyncSettings(retry_base=timedelta(0)))
    world.pim.put(meeting("one"))
    world.crm.fail_next("create", error=TransientError("503 from server", retry_after=1))
    result = world.engine.sync(Kind.EVENT)
    assert result.errors and world.crm.records(Kind.EVENT) == {}
    world.advance(seconds=2)
    world.engine.sync(Kind.EVENT)
    assert only(world.crm.records(Kind.EVENT)).subject == "one"


def test_rebuild_resets_pairing_and_rematches_without_duplicates(world: World) -> None:
    for i in range(3):
        world.pim.put(meeting(f"M{i}", hours=24 + i))
    world.engine.sync(Kind.EVENT)
    world.engine.rebuild(Kind.EVENT)
    assert world.state.count_pairs("default", Kind.EVENT) == 0
    world.engine.sync(Kind.EVENT)
    assert len(world.pim.records(Kind.EVENT)) == len(world.crm.records(Kind.EVENT)) == 3
    assert world.state.count_pairs("default", Kind.EVENT) == 3


def test_expired_cursor_falls_back_to_a_full_scan(world: World) -> None:
    world.pim.put(meeting("A"))
    world.engine.sync(Kind.EVENT)
    world.pim.put(meeting("B", hours=30))
    world.pim.expire_cursors()
    plan = world.engine.plan(Kind.EVENT)
    assert any("full scan" in w for w in plan.warnings)
    world.engine.apply(plan)
    assert {e.subject for e in world.crm.records(Kind.EVENT).values()} == {"A", "B"}


def test_lossy_side_is_not_mistaken_for_an_edit(world: World) -> None:
    class NoTentative(type(world.crm)):
        def represent(self, record):
            record = super().represent(record)
            return record.replace(show_as=ShowAs.BUSY) if getattr(record, "show_as", None) is ShowAs.TENTATIVE else record

        def _write(self, kind, native_id, record, link):
            return super()._write(kind, native_id, self.represent(record), link)

    world.crm = NoTentative(name="crm", formatted_bodies=False, clock=world.clock)
    world.make_engine()
    pim_id = world.pim.put(meeting(show_as=ShowAs.TENTATIVE))
    world.engine.sync(Kind.EVENT)
    assert only(world.crm.records(Kind.EVENT)).show_as is ShowAs.BUSY
    assert world.engine.plan(Kind.EVENT).operations == []
    assert world.pim.records(Kind.EVENT)[pim_id].show_as is ShowAs.TENTATIVE


# -- results and events ------------------------------------------------------------------------------------------------
def test_summary_counts_and_renders_a_table(world: World) -> None:
    world.pim.put(meeting("A"))
    world.crm.put(meeting("B", hours=30))
    result = world.engine.sync(Kind.EVENT)
    summary = result.summary
    assert (summary.count(Side.CRM, Action.CREATE), summary.count(Side.PIM, Action.CREATE)) == (1, 1)
    table = summary.render()
    assert "created" in table and "PIM" in table and "CRM" in table  # generic column titles by default
    labelled = summary.render({Side.PIM: "Exchange (PIM)", Side.CRM: "Salesforce (CRM)"})  # labels from adapters
    assert "Exchange (PIM)" in labelled.splitlines()[2] and "Salesforce (CRM)" in labelled.splitlines()[2]
    kinds = [e.type for e in world.events]
    assert kinds[0] is EventType.STARTED and kinds[-1] is EventType.COMPLETED
    assert kinds.count(EventType.CREATED) == 2
    (entry,) = world.state.history("default")
    assert entry.summary["counts"] == {"pim.create": 1, "crm.create": 1}


def test_a_no_change_sync_loads_no_pair(world: World) -> None:
    for i in range(20):
        world.pim.put(meeting(f"M{i}", hours=24 + i))
    world.engine.sync(Kind.EVENT)
    calls = []
    original = world.state.iter_pairs, world.state.pairs_for
    world.state.iter_pairs = lambda *a, **k: calls.append("iter_pairs") or original[0](*a, **k)
    world.state.pairs_for = lambda *a, **k: calls.append(("pairs_for", tuple(k.get("pim_ids", ())))) or original[1](*a, **k)
    world.engine.sync(Kind.EVENT)  # echoes of the first sync's writes
    calls.clear()
    before = world.pim.calls.copy(), world.crm.calls.copy()
    plan = world.engine.plan(Kind.EVENT)
    assert plan.operations == [] and calls == []
    assert world.pim.calls - before[0] == {"changes": 1} and world.crm.calls - before[1] == {"changes": 1}


def test_the_echo_of_an_initial_load_loads_no_pair(world: World) -> None:
    for i in range(20):
        world.pim.put(meeting(f"M{i}", hours=24 + i))
    world.engine.sync(Kind.EVENT)
    loaded = []
    original = world.state.pairs_for
    world.state.pairs_for = lambda *a, **k: loaded.extend([*k.get("pim_ids", ()), *k.get("crm_ids", ())]) or original(*a, **k)
    plan = world.engine.plan(Kind.EVENT)  # the CRM feed reports the 20 records the first sync created
    assert plan.totals[Side.CRM] == 20
    assert plan.operations == [] and plan.pairs == [] and loaded == []


@pytest.mark.parametrize("edit", ["update", "delete"])
def test_a_set_aside_echo_still_takes_part_when_its_partner_changed(world: World, edit: str) -> None:
    world.pim.put(meeting("Kickoff", hours=24))
    world.pim.put(meeting("Other", hours=30))
    world.engine.sync(Kind.EVENT)
    # the CRM feed will report both creates (echoes); one PIM record changes meanwhile
    pim_id = next(i for i, r in world.pim.records(Kind.EVENT).items() if r.subject == "Kickoff")
    if edit == "update":
        world.pim.edit(pim_id, location="Room 4")
    else:
        world.pim.remove(pim_id)
    before = world.crm.calls.copy()
    result = world.engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    crm = {r.subject: r for r in world.crm.records(Kind.EVENT).values()}
    if edit == "update":
        assert crm["Kickoff"].location == "Room 4" and set(crm) == {"Kickoff", "Other"}
    else:
        assert set(crm) == {"Other"}
    # the echo was used as it came in the feed: no extra read of it
    assert (world.crm.calls - before).get("fetch", 0) == 0
    assert world.engine.plan(Kind.EVENT).operations == []


def test_an_unread_feed_costs_a_fetch_only_for_records_whose_version_is_new(world: World) -> None:
    from syncore.testing import MemoryAdapter

    world.pim = MemoryAdapter(name="pim", formatted_bodies=True, batch_size=10, clock=world.clock,
                              unread_changes=True)
    world.make_engine()
    for i in range(12):
        world.crm.put(meeting(f"M{i}", hours=24 + i))
    world.engine.sync(Kind.EVENT)  # creates 12 records in the PIM: its next feed lists 12 echoes
    assert len(world.pim.records(Kind.EVENT)) == 12
    pim_id = next(i for i, r in world.pim.records(Kind.EVENT).items() if r.subject == "M3")
    world.pim.edit(pim_id, location="Room 9")
    before = world.pim.calls.copy()
    result = world.engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    assert (world.pim.calls - before) == {"changes": 1, "fetch": 1}  # the edited record only
    assert [r.location for r in world.crm.records(Kind.EVENT).values() if r.subject == "M3"] == ["Room 9"]
    assert world.engine.plan(Kind.EVENT).operations == []


# -- crash safety --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("writes_before_crash", range(7))
@pytest.mark.parametrize("target_links", [True, False])
def test_crash_between_any_two_writes_resumes_without_duplicates(
    world: World, writes_before_crash: int, target_links: bool
) -> None:
    from syncore.errors import SimulatedCrash
    from syncore.testing import MemoryAdapter

    world.crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=target_links, batch_size=2,
                              clock=world.clock)
    world.make_engine()
    for i in range(5):
        world.pim.put(meeting(f"M{i}", hours=24 + i))
    world.crm.crash_after(writes_before_crash)
    if writes_before_crash <= 5:
        with pytest.raises(SimulatedCrash):
            world.engine.sync(Kind.EVENT)
    else:
        world.engine.sync(Kind.EVENT)
    world.engine.sync(Kind.EVENT)
    assert sorted(e.subject for e in world.crm.records(Kind.EVENT).values()) == [f"M{i}" for i in range(5)]
    assert len(world.pim.records(Kind.EVENT)) == 5
    assert world.engine.plan(Kind.EVENT).operations == []
    assert world.state.open_intents("default", Kind.EVENT) == []


def test_crash_then_source_edit_is_recovered_through_the_link(world: World) -> None:
    from syncore.errors import SimulatedCrash

    world.crm = type(world.crm)(name="crm", formatted_bodies=False, link_ids=True, clock=world.clock)
    world.make_engine()
    pim_id = world.pim.put(meeting("Draft title"))
    world.crm.crash_after(1)  # the create lands, then the process dies before the pair is stored
    with pytest.raises(SimulatedCrash):
        world.engine.sync(Kind.EVENT)
    assert len(world.crm.records(Kind.EVENT)) == 1
    world.pim.edit(pim_id, subject="Final title")  # the matcher alone could no longer pair them
    world.engine.sync(Kind.EVENT)
    assert [e.subject for e in world.crm.records(Kind.EVENT).values()] == ["Final title"]
    assert len(world.pim.records(Kind.EVENT)) == 1


@pytest.mark.parametrize("crm_links", [True, False])
@pytest.mark.parametrize("edit_again", [False, True])
def test_an_interrupted_re_create_is_resumed_not_repeated(world: World, crm_links: bool, edit_again: bool) -> None:
    """Deleted in the CRM, edited in Outlook: the re-create lands, then the process dies before the pair moves
    to the new copy. The next sync must pair Outlook's record with that copy, not create a second one (and
    not copy the copy back to Outlook as a new record)."""
    from syncore.errors import SimulatedCrash

    world.crm = type(world.crm)(name="crm", formatted_bodies=False, link_ids=crm_links, clock=world.clock)
    world.make_engine()
    pim_id = world.pim.put(meeting("Kickoff"))
    world.engine.sync(Kind.EVENT)
    (crm_id,) = world.crm.records(Kind.EVENT)
    world.crm.remove(crm_id)
    world.pim.edit(pim_id, location="Room 4")
    world.crm.crash_after(1)
    with pytest.raises(SimulatedCrash):
        world.engine.sync(Kind.EVENT)
    assert len(world.crm.records(Kind.EVENT)) == 1  # the copy was written
    if edit_again:
        world.pim.edit(pim_id, subject="Kickoff (moved)")
    result = world.engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    expected = "Kickoff (moved)" if edit_again else "Kickoff"
    assert [(e.subject, e.location) for e in world.crm.records(Kind.EVENT).values()] == [(expected, "Room 4")]
    assert list(world.pim.records(Kind.EVENT)) == [pim_id]
    assert world.engine.plan(Kind.EVENT).operations == []


def test_a_read_only_side_is_never_written(world: World) -> None:
    from syncore.testing import MemoryAdapter

    world.crm = MemoryAdapter(name="crm", formatted_bodies=False, read_only=True, clock=world.clock)
    world.make_engine()
    world.pim.put(meeting("Outlook only"))
    crm_id = world.crm.put(meeting("CRM only", hours=30))
    world.engine.sync(Kind.EVENT)
    assert set(world.crm.records(Kind.EVENT)) == {crm_id}
    assert {e.subject for e in world.pim.records(Kind.EVENT).values()} == {"Outlook only", "CRM only"}
    assert world.crm.calls["create"] == world.crm.calls["update"] == world.crm.calls["delete"] == 0


def test_crash_then_source_edit_is_recovered_by_the_journal_without_links(world: World) -> None:
    from syncore.errors import SimulatedCrash

    world.crm = type(world.crm)(name="crm", formatted_bodies=False, link_ids=False, clock=world.clock)
    world.make_engine()
    pim_id = world.pim.put(meeting("Draft title"))
    world.crm.crash_after(1)
    with pytest.raises(SimulatedCrash):
        world.engine.sync(Kind.EVENT)
    world.pim.edit(pim_id, subject="Final title")  # neither a link nor the matcher can pair them now
    world.engine.sync(Kind.EVENT)
    assert [e.subject for e in world.crm.records(Kind.EVENT).values()] == ["Final title"]
    assert len(world.pim.records(Kind.EVENT)) == 1


def test_a_recovered_pair_survives_a_failed_write(world: World) -> None:
    from syncore.errors import SimulatedCrash

    world.crm = type(world.crm)(name="crm", formatted_bodies=False, link_ids=False, clock=world.clock)
    world.make_engine(SyncSettings(retry_base=timedelta(0)))
    pim_id = world.pim.put(Task(subject="Draft"))
    world.crm.crash_after(1)
    with pytest.raises(SimulatedCrash):
        world.engine.sync(Kind.TASK)
    world.pim.edit(pim_id, subject="Final")
    world.crm.fail_record(lambda record: True, RecordRejected("locked", code="X"), times=1)
    world.engine.sync(Kind.TASK)  # recognises the copy, but updating it fails
    world.engine.sync(Kind.TASK)
    assert [t.subject for t in world.crm.records(Kind.TASK).values()] == ["Final"]
    assert len(world.pim.records(Kind.TASK)) == 1


def test_a_matched_pair_survives_a_failed_write(world: World) -> None:
    world.make_engine(SyncSettings(retry_base=timedelta(0)))
    world.pim.put(Contact(last_name="Hopper", email="grace@example.com", title="Admiral"))
    world.crm.put(Contact(last_name="Hopper", email="grace@example.com"))
    world.crm.fail_record(lambda record: True, RecordRejected("locked", code="X"), times=1)
    world.engine.sync(Kind.CONTACT)  # matched by email; copying the title fails
    world.crm.edit(only_id(world.crm.records(Kind.CONTACT)), email="grace.hopper@example.com")
    world.engine.sync(Kind.CONTACT)  # the match key changed meanwhile: only the stored pairing can help
    assert len(world.pim.records(Kind.CONTACT)) == len(world.crm.records(Kind.CONTACT)) == 1
    assert only(world.crm.records(Kind.CONTACT)).title == "Admiral"
    # the pair never agreed on an email, so the two addresses are a conflict for review, not a silent pick
    assert [c.field for c in world.engine.plan(Kind.CONTACT).conflicts] == ["email"]
