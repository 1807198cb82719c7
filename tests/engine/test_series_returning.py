"""Occurrences whose original start the rule gives again: an occurrence id names a series and a start, so unlike a
record's id it can come back (the user shortens a series and lengthens it again, or restores a cancelled
occurrence). A returning occurrence is copied once: again when its copy is gone, never a second time while its copy
stayed behind (its deletion was not allowed when the occurrence went)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_engine_series import World, keys, weekly

from syncore import ConflictPolicy, Kind, KindSettings, Override, Recurrence, SyncSettings
from syncore.occurrences import occurrence_id


def rule(count: int) -> Recurrence:
    return Recurrence(rule=f"FREQ=WEEKLY;COUNT={count}", zone="Europe/Berlin")


def crm_starts(w: World) -> list:
    return sorted(e.start for e in w.crm_events().values())


@pytest.mark.parametrize("crm_links", [True, False])
def test_occurrences_the_rule_gives_again_after_their_copies_were_deleted_are_copied_again(crm_links):
    w = World(crm_links=crm_links)
    pim_id = w.pim.put(weekly(count=8))
    w.sync()
    w.pim.edit(pim_id, recurrence=rule(6))
    w.sync()
    assert crm_starts(w) == keys(6)
    w.pim.edit(pim_id, recurrence=rule(8))
    result = w.sync()
    assert crm_starts(w) == keys(8), result.skipped
    w.calm()


def test_a_cancelled_occurrence_restored_on_the_series_side_is_copied_again():
    w = World()
    pim_id = w.pim.put(weekly())
    w.sync()
    w.pim.cancel_occurrence(pim_id, keys()[3])
    w.sync()
    assert crm_starts(w) == [k for k in keys() if k != keys()[3]]
    w.pim.edit(pim_id, recurrence=rule(6))  # the cancellation is undone
    w.sync()
    assert crm_starts(w) == keys(6)
    w.calm()


def shortened_while_the_crm_was_read_only(crm_links: bool) -> tuple[World, str, dict]:
    """A series of 8 synced, then shortened to 6 while the CRM was read-only: the copies of the last two stay."""
    w = World(crm_links=crm_links)
    pim_id = w.pim.put(weekly(count=8))
    w.sync()
    copies = {e.start: i for i, e in w.crm_events().items()}
    w.pim.edit(pim_id, recurrence=rule(6))
    w.crm.set_read_only(True)
    w.sync()
    w.crm.set_read_only(False)
    assert crm_starts(w) == keys(8), "deleting was not allowed: the copies of the last two stay"
    return w, pim_id, copies


@pytest.mark.parametrize("crm_links", [True, False])
def test_an_occurrence_whose_copy_stayed_behind_is_not_copied_a_second_time_when_it_comes_back(crm_links):
    """The soak's duplicate (seed 41): lengthening the series again must not copy those occurrences a second
    time."""
    w, pim_id, _ = shortened_while_the_crm_was_read_only(crm_links)
    w.pim.edit(pim_id, recurrence=rule(7))
    w.sync()
    assert crm_starts(w) == keys(8), "each occurrence once"
    w.calm()


def test_an_occurrence_that_comes_back_is_paired_again_with_the_copy_it_left_behind_found_by_its_link():
    w, pim_id, copies = shortened_while_the_crm_was_read_only(crm_links=True)
    w.pim.edit(pim_id, recurrence=rule(7))
    w.sync()
    [pair] = w.state.pairs_for("default", Kind.EVENT, pim_ids=[occurrence_id(pim_id, keys(7)[6])])
    assert pair.crm_id == copies[keys(7)[6]], "the copy that stayed"
    assert w.crm.calls["find_by_link"] == 1, "one lookup, when the occurrence came back"
    # from now on it follows the series again
    w.pim.edit_occurrence(pim_id, keys(7)[6], subject="Last one")
    w.sync()
    assert w.crm_events()[copies[keys(7)[6]]].subject == "Last one"
    w.calm()


def test_an_occurrence_paired_again_with_its_copy_can_leave_and_come_back_again():
    """Once paired again, the occurrence is an ordinary one: when it leaves with its copy and comes back, it is
    copied again (no tombstone from the time its copy was left behind holds it back)."""
    w, pim_id, copies = shortened_while_the_crm_was_read_only(crm_links=True)
    w.pim.edit(pim_id, recurrence=rule(7))
    w.sync()
    w.pim.edit(pim_id, recurrence=rule(6))
    w.sync()
    assert copies[keys(7)[6]] not in w.crm_events(), "its copy went with it this time"
    w.pim.edit(pim_id, recurrence=rule(7))
    result = w.sync()
    assert crm_starts(w) == keys(8), result.skipped
    w.calm()


def test_without_links_an_occurrence_that_comes_back_to_a_copy_left_behind_is_reported_not_copied():
    w, pim_id, _ = shortened_while_the_crm_was_read_only(crm_links=False)
    w.pim.edit(pim_id, recurrence=rule(7))
    result = w.sync()
    assert "pim event '1:1' on 2026-04-27 09:00 CEST: deleted earlier on the other side (tombstone)" in result.skipped
    assert crm_starts(w) == keys(8)


# -- the window ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("crm_links", [True, False])
def test_an_occurrence_an_override_moves_past_the_windows_end_is_still_copied(crm_links):
    """The window bounds occurrences by their original start: one inside it that an override moves past its end
    is copied at its moved time (before, it was left out as "outside the date range" while the series counted
    it, so the sides disagreed)."""
    w = World(crm_links=crm_links, settings=SyncSettings(
        conflict_policy=ConflictPolicy.PIM_WINS, kinds={Kind.EVENT: KindSettings(past_days=0, future_days=13)}))
    k = keys(3)  # 16, 23 and 30 March; the window ends on the 23rd
    moved = Override(original_start=k[1], start=k[1] + timedelta(days=2), end=k[1] + timedelta(days=2, hours=1))
    pim_id = w.pim.put(weekly(count=3, overrides=[moved]))
    result = w.sync()
    assert crm_starts(w) == [k[0], moved.start], result.skipped
    if crm_links:
        assert sorted(w.crm.link_of(i) for i in w.crm_events()) == [occurrence_id(pim_id, k[0]),
                                                                   occurrence_id(pim_id, k[1])]
    assert w.pim.records(Kind.EVENT)[pim_id] == weekly(count=3, overrides=[moved]), "the series is left as it was"
    w.calm()
