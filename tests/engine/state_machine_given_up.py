"""Rules and checks of the series state machine (test_state_machine_series.py) for a switch that is *given up*
while an occurrence copy it made on the limited CRM side was edited there (docs/recurrence.md, "A copy edited before
its switch was given up").

A switch to occurrences stops part-way when the CRM refuses some of the occurrences' creates: the rule copy waits
there next to the copies that landed. When the series is then shortened back within the CRM's limits, the switch is
given up: the copies go, and a copy the user edited meanwhile is carried over to the series as an override (on both
sides) before it goes. Chaining "lengthen past the limits", "refuse a create", "sync", "edit a copy", "shorten back"
out of the machine's independent rules almost never happens in a run, so :meth:`interrupt_a_switch` makes the first
three one step, and :meth:`a_copy_edited_before_its_switch_is_given_up` all of them.

The checks, after every clean sync (the outcome as documented, computed from the sides, never by the planner):

* no single event in the CRM that a switch copied from an occurrence stays next to the rule copy of its series,
  unless the series still waits for its switch (reported), or the sync reported that copy kept as a single event
  (the documented fallbacks, by subject);
* a copy the user edited and the engine deleted left its edit as the override of its occurrence in the series and
  in the rule copy (unless the series changed since, or a conflict was reported on it).
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import rule

from syncore import Kind, Side
from syncore.errors import RecordRejected
from syncore.occurrences import SEPARATOR, split_occurrence_id
from syncore.series import Series
from syncore.testing.strategies import short_words

#: how a sync reports a copy it keeps as a single event (planning/series_fold.KEPT_SINGLE), subject first
KEPT = ": edited in the CRM while the series' switch to single events was given up; kept as a single event ("


class GivenUpSwitches:
    """A mixin of the series machine (it sets ``unfit``, ``sides``, ``state`` … in its setup)."""

    def init_given_up(self) -> None:
        #: CRM copy id -> (seq of its first edit, PIM series id, original start, {field: value the user set})
        self.copy_edits: dict[str, tuple[int, str, object, dict[str, object]]] = {}
        #: CRM copy id -> {field: its value before the user first edited it}: an edit back to it is no edit
        self.copy_origins: dict[str, dict[str, object]] = {}
        #: CRM copies a sync reported kept as single events, or edited before an unanswered create of them was
        #: recovered (the documented fallbacks)
        self.kept_single: set[str] = set()

    # -- users and faults ---------------------------------------------------------------------------------------
    @rule(data=st.data(), count=st.integers(9, 12), refused=st.integers(1, 3))
    def interrupt_a_switch(self, data, count, refused):
        """A series held as a rule lengthened past the CRM's limits and synced while the CRM refuses some of its
        occurrences' creates: the switch stops part-way, the rule copy waiting next to the copies that landed."""
        if self.unfit[Side.CRM] is None:
            return
        self.lengthen_a_series_held_as_a_rule_past_the_limits(data, count)
        self.crm.fail_record(lambda record: record.kind is Kind.EVENT and record.recurrence is None,
                             RecordRejected("injected: an occurrence refused", code="TEST"), times=refused)
        self.sync_with_faults(Kind.EVENT)

    def _rule_copy_of(self, series_id: str) -> str | None:
        """The CRM record holding the PIM series ``series_id`` as a rule (its pair's partner), if any."""
        crm = self.crm.records(Kind.EVENT)
        for pair in self.state.pairs_for(self.settings.profile, Kind.EVENT, pim_ids=[series_id]):
            record = crm.get(pair.crm_id)
            if record is not None and record.recurrence is not None:
                return pair.crm_id
        return None

    def _copies_next_to_rules(self) -> dict[str, tuple[str, object]]:
        """CRM single events a switch copied from an occurrence (their create's link names it) whose series the CRM
        holds as a rule: copy id -> (series id, original start)."""
        pim, crm = self.pim.records(Kind.EVENT), self.crm.records(Kind.EVENT)
        found = {}
        for native_id, link in self.crm.created_from.items():
            record = crm.get(native_id)
            if record is None or record.recurrence is not None or not link or SEPARATOR not in link:
                continue
            split = split_occurrence_id(link)
            if split is None or getattr(pim.get(split[0]), "recurrence", None) is None:
                continue
            if self._rule_copy_of(split[0]) is not None:
                found[native_id] = split
        return found

    @rule(data=st.data(), change=st.sampled_from(["subject", "location", "move"]))
    def edit_a_copy_of_a_waiting_switch(self, data, change):
        """The CRM user edits one of the copies an interrupted switch made (renames it, or moves it)."""
        copies = self._copies_next_to_rules()
        if not copies:
            return
        copy_id = data.draw(st.sampled_from(sorted(copies)))
        series_id, key = copies[copy_id]
        if not self.state.pairs_for(self.settings.profile, Kind.EVENT, crm_ids=[copy_id]):
            # its create's reply was lost: a copy edited before a sync recovered it is not recognised as ours (by
            # link, its source gone, or by content): synced as a record of its own, documented (recovery.py)
            self.kept_single.add(copy_id)
            self.tolerated.add(f"pim:{self.crm.created_from[copy_id]}")
        seq = self.tick()
        event = self.crm.records(Kind.EVENT)[copy_id]
        origins = self.copy_origins.setdefault(copy_id, {})
        if change == "move":
            self.touched(Side.CRM, copy_id)
            shift = timedelta(days=1) if event.all_day else timedelta(hours=2)
            self.crm.edit(copy_id, start=event.start + shift, end=event.end + shift)
            values = {"start": event.start + shift, "end": event.end + shift}
        else:
            value = data.draw(short_words)
            self.apply_edit(Side.CRM, copy_id, Kind.EVENT, change, value)
            values = {change: getattr(self.crm.records(Kind.EVENT)[copy_id], change)}
        for field in values:
            origins.setdefault(field, getattr(event, field))
        first, _, _, before = self.copy_edits.get(copy_id, (seq, series_id, key, {}))
        # (the same value written again, or an edit undone, is no edit: that copy is deleted as an unedited one,
        # as the base machine's apply_edit says; soak400 seed 38 renamed a copy to the name it had)
        edited = {field: value for field, value in {**before, **values}.items() if value != origins[field]}
        if edited:
            self.copy_edits[copy_id] = (first, series_id, key, edited)
        else:
            self.copy_edits.pop(copy_id, None)

    @rule(data=st.data(), count=st.integers(1, 8))
    def shorten_a_waiting_switch_back(self, data, count):
        """The PIM user shortens a series whose switch waits (its copies next to its rule copy) back within the
        CRM's limits: the next sync gives the switch up."""
        pim = self.pim.records(Kind.EVENT)
        waiting = sorted({series_id for series_id, _ in self._copies_next_to_rules().values()
                          if self.unfit[Side.CRM](pim[series_id]) is not None})
        if waiting:
            self._set_count(Side.PIM, data.draw(st.sampled_from(waiting)), count)

    @rule(data=st.data(), count=st.integers(9, 12), refused=st.integers(1, 3), back=st.integers(1, 8),
          change=st.sampled_from(["subject", "location", "move"]))
    def a_copy_edited_before_its_switch_is_given_up(self, data, count, refused, back, change):
        """The whole story in one step (the syncs that follow are the machine's own, with faults or not)."""
        self.interrupt_a_switch(data, count, refused)
        self.edit_a_copy_of_a_waiting_switch(data, change)
        self.shorten_a_waiting_switch_back(data, back)

    @rule(data=st.data(), count=st.integers(9, 12), refused=st.integers(1, 3), back=st.integers(1, 8),
          change=st.sampled_from([None, "subject", "location", "move"]))
    def a_switch_given_up_while_the_crm_is_read_only(self, data, count, refused, back, change):
        """As above, the sync that would give the switch up made while the CRM is read-only: the give-up waits (the
        copies stay paired, nothing written), and a later sync that may write the CRM makes it (docs/recurrence.md,
        "A switch given up while the other side is read-only"; checked by check_no_copy_next_to_its_rule)."""
        self.interrupt_a_switch(data, count, refused)
        if change is not None:
            self.edit_a_copy_of_a_waiting_switch(data, change)
        self.shorten_a_waiting_switch_back(data, back)
        self.sync_with_a_read_only_side(Kind.EVENT, Side.CRM)

    # -- bookkeeping --------------------------------------------------------------------------------------------
    def note_kept_copies(self, plan) -> None:
        """The copies a plan says it keeps as single events (by subject: the report names the copy so)."""
        # (a switch given up while the CRM is read-only waits, its copies paired: no excuse for copies left behind,
        # docs/recurrence.md, "A switch given up while the other side is read-only"; a waiting series is excused
        # by waiting_switches, as the prevented edit its sync reports)
        subjects = {warning.split(KEPT)[0] for warning in plan.warnings if KEPT in warning}
        if not subjects:
            return
        crm = self.crm.records(Kind.EVENT)
        for native_id in self._copies_next_to_rules():
            if f"event '{crm[native_id].subject}'" in subjects:  # (as describe_record names it, quotes unescaped)
                self.kept_single.add(native_id)
                # its single event on the PIM descends from the series' occurrence too: the documented meeting twice
                self.tolerated.add(f"pim:{self.crm.created_from[native_id]}")

    def carried_copies(self, kind) -> set[str]:
        """Edited copies the engine deleted (the user did not): their edit went to their series."""
        if kind is not Kind.EVENT:
            return set()
        crm = self.crm.records(Kind.EVENT)
        return {copy_id for copy_id, (seq, *_) in self.copy_edits.items()
                if copy_id not in crm and self.deleted.get((Side.CRM, copy_id), -1) <= seq}

    # -- checks -------------------------------------------------------------------------------------------------
    def check_no_copy_next_to_its_rule(self) -> None:
        """A series the CRM holds as a rule has no single event there for one of its occurrences, except while its
        switch waits (excused: reported, see waiting_switches; its copies stay paired, or their creates' replies are
        still being recovered, never left behind unpaired, as a give-up the read-only CRM did not allow left them)
        and the copies a sync reported it keeps."""
        profile = self.settings.profile
        for copy_id, (series_id, key) in self._copies_next_to_rules().items():
            if copy_id in self.kept_single:
                continue
            if (Side.PIM, series_id) in self.prevented and (
                    self.state.pairs_for(profile, Kind.EVENT, crm_ids=[copy_id])
                    or any(i.source_id == self.crm.created_from[copy_id]
                           for i in self.state.open_intents(profile, Kind.EVENT))):
                continue
            pairs = [(p.pim_id, p.crm_id) for p in self.state.iter_pairs(self.settings.profile, Kind.EVENT)]
            assert False, (f"CRM single event {copy_id} (occurrence {key} of {series_id}) is left next to the rule "
                           f"copy {self._rule_copy_of(series_id)}: that meeting twice, unreported (pairs {pairs})")

    def check_carried_edits(self, carried: set[str]) -> None:
        """Each edit of a carried copy is the override of its occurrence, in the series and in its rule copy."""
        for copy_id in sorted(carried):
            seq, series_id, key, values = self.copy_edits.pop(copy_id)
            series = self.pim.records(Kind.EVENT).get(series_id)
            rule_id = self._rule_copy_of(series_id)
            if series is None or series.recurrence is None or rule_id is None:
                continue  # the series went, or was switched since: nothing holds the occurrence as a rule
            if any(at > seq for (side, native_id, _), at in self.touched_at.items()
                   if (side, native_id) in {(Side.PIM, series_id), (Side.CRM, rule_id)}):
                continue  # the series changed since the copy's edit: its own edit may replace the override
            if any(native_id in {series_id, rule_id, copy_id} for _, native_id, _ in self.conflicts):
                continue  # a reported conflict (the series' own edit of that occurrence) may have won
            for side, record in ((Side.PIM, series), (Side.CRM, self.crm.records(Kind.EVENT)[rule_id])):
                held = Series(record)
                assert key not in record.recurrence.exdates and not held.not_occurrences([key]), (
                    f"copy {copy_id} deleted, its occurrence {key} no longer in the {side.value} series")
                occurrence = held.occurrence(key)
                for field, value in values.items():
                    assert getattr(occurrence, field) == value, (
                        f"edit of copy {copy_id} ({field} to {value!r}) lost: the {side.value} series' occurrence "
                        f"{key} has {getattr(occurrence, field)!r}")
