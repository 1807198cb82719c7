"""Three-way field merge: decision table, conflict policies, formatted-body rule, represent hooks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncore import Body, ConflictPolicy, Contact, Event, KindSettings, ShowAs, Side, Task
from syncore.merge import MergeInput, MergeResult, merge

T = datetime(2026, 6, 1, 10, tzinfo=UTC)


def same(record):
    return record


def crm_like(record):
    """How a Salesforce-like side stores a record: plain bodies, no 'tentative'."""
    changes = {name: value.plain() for name, value in record.values().items() if isinstance(value, Body)}
    if isinstance(record, Event) and record.show_as is ShowAs.TENTATIVE:
        changes["show_as"] = ShowAs.BUSY
    return record.replace(**changes) if changes else record


def run(base, pim=None, crm=None, *, policy=ConflictPolicy.MANUAL, settings=None, pim_modified=None,
        crm_modified=None, pim_body=None, preserve=True, pim_keeps_formatting=True, represent_pim=same,
        represent_crm=same, resolutions=None, read_only=None) -> MergeResult:
    return merge(
        MergeInput(base=base, pim=pim, crm=crm, pim_modified=pim_modified, crm_modified=crm_modified,
                   pim_body=pim_body),
        represent_pim=represent_pim, represent_crm=represent_crm, settings=settings or KindSettings(),
        policy=policy, preserve_formatted_bodies=preserve, pim_keeps_formatting=pim_keeps_formatting,
        resolutions=resolutions, read_only=read_only,
    )


BASE = Contact(first_name="Ann", last_name="Lee", title="Dev", phone="1", email="ann@example.com")


# -- decision table -------------------------------------------------------------------------------------------
def test_nothing_changed():
    for pim, crm in [(None, None), (BASE, BASE), (BASE, None), (None, BASE)]:
        result = run(BASE, pim, crm)
        assert result.to_pim == result.to_crm == frozenset()
        assert result.conflicts == ()
        assert result.base == BASE


def test_pim_change_is_copied_to_crm():
    pim = BASE.replace(title="Lead")
    for crm in (None, BASE):
        result = run(BASE, pim, crm)
        assert result.to_crm == {"title"} and result.to_pim == frozenset()
        assert result.base.title == "Lead" and result.conflicts == ()


def test_crm_change_is_copied_to_pim():
    crm = BASE.replace(phone="2")
    for pim in (None, BASE):
        result = run(BASE, pim, crm)
        assert result.to_pim == {"phone"} and result.to_crm == frozenset()
        assert result.base.phone == "2"


def test_both_changed_same_value_writes_nothing():
    result = run(BASE, BASE.replace(title="Lead"), BASE.replace(title="Lead"))
    assert result.to_pim == result.to_crm == frozenset()
    assert result.conflicts == ()
    assert result.base.title == "Lead"


def test_different_fields_changed_on_both_sides_are_both_kept():
    result = run(BASE, BASE.replace(title="Lead"), BASE.replace(phone="2"))
    assert result.to_crm == {"title"} and result.to_pim == {"phone"}
    assert result.base == BASE.replace(title="Lead", phone="2")
    assert result.conflicts == ()


@pytest.mark.parametrize("policy,winner", [(ConflictPolicy.PIM_WINS, Side.PIM), (ConflictPolicy.CRM_WINS, Side.CRM)])
def test_conflict_side_policies(policy, winner):
    result = run(BASE, BASE.replace(title="P", phone="7"), BASE.replace(title="C"), policy=policy)
    [conflict] = result.conflicts
    assert conflict.field == "title" and conflict.winner is winner
    assert (conflict.pim_value, conflict.crm_value) == ("P", "C")
    if winner is Side.PIM:
        assert result.to_crm == {"title", "phone"} and result.to_pim == frozenset()
        assert result.base.title == "P"
    else:
        assert result.to_pim == {"title"} and result.to_crm == {"phone"}
        assert result.base.title == "C"
    assert result.base.phone == "7"


def test_conflict_manual_is_left_for_review():
    result = run(BASE, BASE.replace(title="P", phone="7"), BASE.replace(title="C"), policy=ConflictPolicy.MANUAL)
    [conflict] = result.conflicts
    assert conflict.field == "title" and conflict.winner is None
    assert "title" not in result.to_pim | result.to_crm
    assert result.base.title == "Dev"  # base stands for the conflicted field
    assert result.to_crm == {"phone"}  # other fields still merge


@pytest.mark.parametrize("pim_at,crm_at,winner", [
    (T + timedelta(minutes=5), T, Side.PIM),
    (T, T + timedelta(seconds=1), Side.CRM),
    (T, T, None),
    (None, T, None),
    (T, None, None),
    (None, None, None),
])
def test_conflict_newest_wins(pim_at, crm_at, winner):
    result = run(BASE, BASE.replace(title="P"), BASE.replace(title="C"), policy=ConflictPolicy.NEWEST_WINS,
                 pim_modified=pim_at, crm_modified=crm_at)
    [conflict] = result.conflicts
    assert conflict.winner is winner
    if winner is None:
        assert result.to_pim == result.to_crm == frozenset()
        assert result.base.title == "Dev"
    elif winner is Side.PIM:
        assert result.to_crm == {"title"} and result.base.title == "P"
    else:
        assert result.to_pim == {"title"} and result.base.title == "C"


def test_resolution_overrides_policy():
    result = run(BASE, BASE.replace(title="P"), BASE.replace(title="C"), policy=ConflictPolicy.PIM_WINS,
                 resolutions={"title": Side.CRM})
    assert result.conflicts[0].winner is Side.CRM
    assert result.to_pim == {"title"} and result.base.title == "C"


def test_update_not_allowed_on_target_side_is_not_written():
    settings = KindSettings(update_on=["pim"])
    result = run(BASE, BASE.replace(title="Lead"), None, settings=settings)
    assert result.to_crm == frozenset()


# -- formatted bodies -----------------------------------------------------------------------------------------
FORMATTED = Body(text="Agenda", html="<p><b>Agenda</b></p>")
EVENT = Event(subject="Review", start=T, end=T + timedelta(hours=1), body=FORMATTED, location="Room 1")


def test_formatted_pim_body_is_kept_when_crm_changes_the_body():
    crm = crm_like(EVENT).replace(body=Body(text="Agenda v2"), location="Room 2")
    result = run(EVENT, EVENT, crm, represent_crm=crm_like)
    assert "body" not in result.to_pim
    assert result.to_pim == {"location"}  # other fields still update
    assert result.body_kept
    assert result.pim_body is not None and result.pim_body.html == FORMATTED.html
    assert result.base.body == Body(text="Agenda v2")
    assert result.base.location == "Room 2"


def test_formatted_pim_body_is_kept_when_pim_record_is_unchanged():
    crm = crm_like(EVENT).replace(body=Body(text="Agenda v2"))
    result = run(EVENT, None, crm, represent_crm=crm_like)
    assert "body" not in result.to_pim
    assert result.body_kept and result.pim_body.is_formatted


def test_kept_formatted_body_is_not_overwritten_by_a_second_crm_edit():
    # Last sync kept the formatted PIM body (pim_body) while the base took the CRM's text "Agenda v2". The PIM
    # has not changed since; the CRM edits the body again. The PIM body is still formatted: keep it.
    base = EVENT.replace(body=Body(text="Agenda v2"))
    crm = crm_like(base).replace(body=Body(text="Agenda v3"))
    result = run(base, None, crm, pim_body=FORMATTED, represent_crm=crm_like)
    assert "body" not in result.to_pim, "the formatted PIM body would be overwritten by plain text"
    assert result.body_kept
    assert result.pim_body is not None and result.pim_body.html == FORMATTED.html


def test_pim_edit_after_kept_body_is_noticed():
    base = EVENT.replace(body=Body(text="Agenda v2"))
    edited = EVENT.replace(body=Body(html="<p><b>Agenda</b> and more</p>"))
    result = run(base, edited, None, pim_body=FORMATTED, represent_crm=crm_like)
    assert result.to_crm == {"body"}
    assert result.pim_body is None and not result.body_kept
    assert result.base.body == Body(text="Agenda and more")


def test_plain_pim_body_is_overwritten():
    plain = EVENT.replace(body=Body(text="Agenda"))
    crm = plain.replace(body=Body(text="Agenda v2"))
    result = run(plain, plain, crm, represent_crm=crm_like)
    assert result.to_pim == {"body"} and not result.body_kept


def test_formatted_body_overwritten_when_preserve_is_off():
    crm = crm_like(EVENT).replace(body=Body(text="Agenda v2"))
    result = run(EVENT, EVENT, crm, represent_crm=crm_like, preserve=False)
    assert result.to_pim == {"body"} and not result.body_kept


def test_formatted_body_overwritten_when_pim_cannot_keep_formatting():
    crm = crm_like(EVENT).replace(body=Body(text="Agenda v2"))
    result = run(EVENT, EVENT, crm, represent_crm=crm_like, pim_keeps_formatting=False)
    assert result.to_pim == {"body"} and not result.body_kept


def test_formatted_body_equal_to_plain_copy_is_not_a_change():
    # the CRM holds the plain copy of the formatted body: nothing to do
    result = run(EVENT, EVENT, crm_like(EVENT), represent_crm=crm_like)
    assert result.to_pim == result.to_crm == frozenset() and result.conflicts == ()


def test_contact_notes_follow_the_body_rule():
    base = Contact(last_name="Lee", notes=FORMATTED)
    crm = crm_like(base).replace(notes=Body(text="changed"))
    result = run(base, base, crm, represent_crm=crm_like)
    assert "notes" not in result.to_pim and result.body_kept


# -- represent hooks ------------------------------------------------------------------------------------------
def test_value_a_side_cannot_hold_is_not_an_edit():
    base = EVENT.replace(show_as=ShowAs.TENTATIVE, body=Body(text="x"))
    crm = crm_like(base)  # shows as busy: the CRM cannot hold tentative
    assert crm.show_as is ShowAs.BUSY
    result = run(base, base, crm, represent_crm=crm_like)
    assert result.to_pim == result.to_crm == frozenset()
    assert result.conflicts == ()
    assert result.base.show_as is ShowAs.TENTATIVE


def test_real_crm_edit_of_a_represented_field_is_an_edit():
    base = EVENT.replace(show_as=ShowAs.TENTATIVE, body=Body(text="x"))
    crm = crm_like(base).replace(show_as=ShowAs.FREE)
    result = run(base, base, crm, represent_crm=crm_like)
    assert result.to_pim == {"show_as"} and result.base.show_as is ShowAs.FREE


def test_no_write_of_a_value_the_target_already_represents():
    # PIM changes tentative -> busy; the CRM already shows busy: writing it would only bump the version
    base = EVENT.replace(show_as=ShowAs.TENTATIVE, body=Body(text="x"))
    result = run(base, base.replace(show_as=ShowAs.BUSY), crm_like(base), represent_crm=crm_like)
    assert "show_as" not in result.to_crm


# -- whole-record conflicts -----------------------------------------------------------------------------------
TIMED = Event(subject="Call", start=T, end=T + timedelta(hours=1))
PIM_END = TIMED.replace(end=T + timedelta(minutes=30))  # 10:00-10:30
CRM_START = TIMED.replace(start=T + timedelta(minutes=45))  # 10:45-11:00


def test_fields_that_do_not_combine_are_a_whole_record_conflict_manual():
    result = run(TIMED, PIM_END, CRM_START)
    [conflict] = result.conflicts
    assert conflict.field == "*" and conflict.winner is None
    assert result.to_pim == result.to_crm == frozenset()
    assert result.base == TIMED


@pytest.mark.parametrize("policy,winner", [(ConflictPolicy.PIM_WINS, Side.PIM), (ConflictPolicy.CRM_WINS, Side.CRM)])
def test_whole_record_conflict_by_policy(policy, winner):
    result = run(TIMED, PIM_END, CRM_START, policy=policy)
    [conflict] = result.conflicts
    assert conflict.field == "*" and conflict.winner is winner
    if winner is Side.PIM:
        assert result.to_crm == {"start", "end"} and result.to_pim == frozenset() and result.base == PIM_END
    else:
        assert result.to_pim == {"start", "end"} and result.to_crm == frozenset() and result.base == CRM_START
    assert result.base.end >= result.base.start


# -- read-only fields (Graph's attendees) ------------------------------------------------------------------------
PIM_READS_ONLY = {Side.PIM: frozenset({"attendees"})}
MEETING = TIMED.replace(attendees=("ann@customer.example",))


def test_a_read_only_field_changed_on_the_other_side_is_not_written_and_the_base_keeps_the_sides_value():
    crm = MEETING.replace(attendees=("bob@customer.example",), location="Room 2")
    result = run(MEETING, MEETING, crm, read_only=PIM_READS_ONLY)
    assert result.to_pim == {"location"} and result.to_crm == frozenset()
    # the base keeps the PIM's attendees: not copied back to the CRM later, and not written to the PIM
    assert result.base.attendees == ("ann@customer.example",) and result.base.location == "Room 2"
    again = run(result.base, result.base, crm, read_only=PIM_READS_ONLY)
    assert again.to_pim == again.to_crm == frozenset()


def test_a_read_only_field_changed_on_its_own_side_travels():
    pim = MEETING.replace(attendees=("ann@customer.example", "cy@customer.example"))
    result = run(MEETING, pim, MEETING, read_only=PIM_READS_ONLY)
    assert result.to_crm == {"attendees"} and result.base == pim


def test_a_whole_record_conflict_won_by_the_other_side_leaves_the_read_only_field_alone():
    pim = PIM_END.replace(attendees=("ann@customer.example",))
    crm = CRM_START.replace(attendees=("bob@customer.example",))
    result = run(TIMED, pim, crm, policy=ConflictPolicy.CRM_WINS, read_only=PIM_READS_ONLY)
    assert result.conflicts[0].field == "*"
    assert result.to_pim == {"start", "end"}
    assert result.base == CRM_START.replace(attendees=("ann@customer.example",))


# -- properties -----------------------------------------------------------------------------------------------
_values = st.sampled_from(["a", "b", "c"])


@given(base_t=_values, pim_t=_values, crm_t=_values, base_p=_values, pim_p=_values, crm_p=_values,
       policy=st.sampled_from(ConflictPolicy))
def test_merge_table_property(base_t, pim_t, crm_t, base_p, pim_p, crm_p, policy):
    base = Task(subject=base_t, body=base_p)
    pim = Task(subject=pim_t, body=pim_p)
    crm = Task(subject=crm_t, body=crm_p)
    result = run(base, pim, crm, policy=policy, pim_modified=T, crm_modified=T + timedelta(1))
    for name, b, p, c in [("subject", base_t, pim_t, crm_t), ("body", base_p, pim_p, crm_p)]:
        conflicted = [x for x in result.conflicts if x.field == name]
        if p == b and c == b:
            assert name not in result.to_pim | result.to_crm and not conflicted
        elif p == c:
            assert name not in result.to_pim | result.to_crm and not conflicted
            assert str(getattr(result.base, name).text if name == "body" else result.base.subject) == p
        elif c == b:
            assert name in result.to_crm and name not in result.to_pim and not conflicted
        elif p == b:
            assert name in result.to_pim and name not in result.to_crm and not conflicted
        else:
            assert len(conflicted) == 1
            winner = {ConflictPolicy.PIM_WINS: Side.PIM, ConflictPolicy.CRM_WINS: Side.CRM,
                      ConflictPolicy.NEWEST_WINS: Side.CRM, ConflictPolicy.MANUAL: None}[policy]
            assert conflicted[0].winner is winner
            if winner is Side.PIM:
                assert name in result.to_crm and name not in result.to_pim
            elif winner is Side.CRM:
                assert name in result.to_pim and name not in result.to_crm
            else:
                assert name not in result.to_pim | result.to_crm
    # a field is never written to both sides
    assert not (result.to_pim & result.to_crm)
