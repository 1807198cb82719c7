"""The engine state machine (test_state_machine.py) with recurring series on top: every rule, fault and check of
:class:`SyncMachine`, with the sides holding rules, rules within limits (series past them are expanded there, as
Salesforce's classic series), or occurrences only (or no series at all), users creating
series, changing their rules, moving, changing and cancelling their occurrences, and recurring tasks; and switches to
occurrences interrupted, an occurrence copy edited, then given up (state_machine_given_up.py). Its sides' writes
may land late, as the base machine's do (state_machine_late_landing.py): a series a create of which may still land
waits whole (planning/series_landing.py), a delete that may still land is looked for again (planning/landing_deletes.py).

After every clean sync the base machine's checks hold for series too: each pair holds equal records (a series
whose occurrences the other side holds is compared occurrence by occurrence, :func:`assert_in_step`), nothing is
duplicated, no edit is lost, and a second sync plans nothing.
"""

from __future__ import annotations

import itertools
import os
from datetime import timedelta

import attrs
import test_state_machine as base
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule
from state_machine_given_up import GivenUpSwitches
from state_machine_late_landing import LateLandings
from state_machine_occurrence_copies import OccurrenceCopies, RecordingAdapter
from state_machine_waiting import WaitingSwitches

from syncore import Kind, Side, SqliteStateStore, SyncEngine, SyncSettings
from syncore.occurrences import occurrence_id, split_occurrence_id
from syncore.recurrence import Recurrence
from syncore.remote import RecurrenceSupport
from syncore.series import Series, Window
from syncore.testing.strategies import recurring_tasks, series_events

RULES, OCCURRENCES, NONE = RecurrenceSupport.RULES, RecurrenceSupport.OCCURRENCES, RecurrenceSupport.NONE
#: a side that holds rules within limits, as Salesforce's classic series (the series past them are expanded there)
LIMITED = "rules with limits"
#: the same side, able to cut a series before a date (``cuts_series``): a switched series' rule copy with
#: occurrences before the window is cut and kept there as history (series start 10 to 60 days back, so many do)
CUTTING = "rules with limits, cutting"
#: (PIM, CRM): what each side holds of series
MODES = [(RULES, RULES), (RULES, OCCURRENCES), (OCCURRENCES, RULES), (RULES, NONE), (RULES, LIMITED),
         (RULES, CUTTING)]


def past_the_limits(record) -> str | None:
    """The limited side's refusal: a series of more than 8 occurrences (cancelled ones included, as ``COUNT`` counts
    them), or without an end.

    A series ended by ``UNTIL`` is counted by its occurrences as one ended by ``COUNT`` is: were it judged by its
    end's spelling, a long series the side accepted with an ``UNTIL`` would be refused once a cut rewrote its end
    as the ``COUNT`` of the occurrences it kept (:func:`syncore.occurrences.ended_before`): a limit a cut, which
    only shortens, could break is no limit a CRM has."""
    recurrence = getattr(record, "recurrence", None)
    if record.kind is not Kind.EVENT or recurrence is None:
        return None
    parts = recurrence.parts
    if parts.count is None and parts.until is None or (parts.count or 0) > 8:
        return "more than 8 occurrences"
    if parts.until is not None and len(list(itertools.islice(Series(record).starts(), 9))) > 8:
        return "more than 8 occurrences"
    return None
#: a series from this zone list keeps the runs short; the awkward zones have their own properties
ZONES = ("Europe/Berlin", "Australia/Lord_Howe", "America/Santiago")


class SeriesSyncMachine(LateLandings, WaitingSwitches, OccurrenceCopies, GivenUpSwitches, base.SyncMachine):
    """:class:`SyncMachine` with series (switches given up: :class:`GivenUpSwitches`; occurrences, not unique as
    the base machine's records are: :class:`OccurrenceCopies`), its sides' writes landing late as the base
    machine's do (:class:`LateLandings`: a series a create of which may still land waits whole,
    planning/series_landing.py)."""

    @initialize(policy=st.sampled_from(base.POLICIES),
                pim_links=st.booleans(), crm_links=st.booleans(), pim_unread=st.booleans(),
                modes=st.sampled_from(MODES))
    def setup(self, policy, pim_links, crm_links, pim_unread, modes) -> None:
        self.unfit = {Side.PIM: None, Side.CRM: past_the_limits if modes[1] in (LIMITED, CUTTING) else None}
        #: where new series start: up to 25 days around the start, or 10 to 60 days back on a cutting side
        self.around = base.START - timedelta(days=35) if modes[1] == CUTTING else base.START
        cuts = modes[1] == CUTTING
        modes = tuple(RULES if mode in (LIMITED, CUTTING) else mode for mode in modes)
        self.modes = dict(zip((Side.PIM, Side.CRM), modes, strict=True))
        self.pim = RecordingAdapter(name="pim", formatted_bodies=True, link_ids=pim_links, batch_size=3,
                                    clock=self.now, unread_changes=pim_unread, recurrence=modes[0],
                                    writes_land_within=self.writes_land_within)
        self.crm = RecordingAdapter(name="crm", formatted_bodies=False, link_ids=crm_links, batch_size=4,
                                    clock=self.now, recurrence=modes[1], unfit=self.unfit[Side.CRM],
                                    cuts_series=cuts, writes_land_within=self.writes_land_within)
        self.sides = {Side.PIM: self.pim, Side.CRM: self.crm}
        self.state = SqliteStateStore(":memory:")
        self.settings = SyncSettings(conflict_policy=policy, min_delete_count=10**6,
                                     retry_base=timedelta(0), retry_max=timedelta(0))
        self.engine = SyncEngine(pim=self.pim, crm=self.crm, state=self.state, settings=self.settings,
                                 clock=self.now)
        self.other = SyncEngine(pim=self.pim, crm=self.crm, state=self.state, settings=self.settings,
                                clock=self.now)
        self.saved = {}
        self.prevented = set()
        self.held_back = {}
        #: rule copies a plan deleted to switch their series to its occurrences: (side, id) -> (side, series id)
        self.switched = {}
        self.init_given_up()

    # -- users -------------------------------------------------------------------------------------------------
    @rule(target=base.SyncMachine.ids, side=st.sampled_from(Side), data=st.data())
    def create_series(self, side, data):
        if self.modes[side] is not RULES:
            return side, self.sides[side].put(self.unique(data.draw(base.records(Kind.EVENT, around=base.START))))
        self.tick()
        events = series_events(zones=ZONES, around=self.around, days=25, max_changes=2)
        if self.around != base.START:
            # (a series wholly before the window is not synced at all, as a single event there is not)
            job = self.settings.for_kind(Kind.EVENT)
            window = Window.around(self.clock.date(), job.past_days, job.future_days)
            events = events.filter(lambda e: bool(Series(e).expand(window)))
        if self.unfit[side] is not None:
            # (a user cannot make a series their own side refuses, as Salesforce refuses a classic one past its limits)
            events = events.filter(lambda e: self.unfit[side](e) is None)
        event = data.draw(events)
        return side, self.sides[side].put(self.unique(event))

    @rule(data=st.data())
    def a_synced_series(self, data):
        """A series created and synced at once, so that later steps find its occurrences on the other side."""
        sides = [side for side in Side if self.modes[side] is RULES and self.modes[side.other] is not NONE]
        if not sides:
            return
        self.create_series(data.draw(st.sampled_from(sides)), data)
        self.sync_clean(Kind.EVENT)

    @rule(side=st.sampled_from(Side), data=st.data())
    def create_recurring_task(self, side, data):
        self.tick()
        self.sides[side].put(self.unique(data.draw(recurring_tasks(around=base.START, days=20))))

    def _a_series(self, side, data):
        series = {i: r for i, r in self.sides[side].records(Kind.EVENT).items() if r.recurrence is not None}
        if not series or self.modes[side] is not RULES:
            return None, None
        series_id = data.draw(st.sampled_from(sorted(series)))
        keys = list(itertools.islice(Series(series[series_id]).starts(), 8))
        return series_id, [k for k in keys if k not in series[series_id].recurrence.exdates]

    def touched(self, side, native_id):
        """A user edits ``native_id``: it is in the next feed (no longer prevented); a copy a crash left unpaired
        that the user edits is no longer recognisable by its content (its duplicate is tolerated, as in
        :meth:`SyncMachine.edit`)."""
        self.prevented.discard((side, native_id))
        self.touch(side, native_id, next(self.seq))
        if (side, native_id) in self.orphans:
            self.tolerated.add(self.origin(side, native_id))

    @rule(side=st.sampled_from(Side), data=st.data(), hours=st.sampled_from([1, 2, -1]),
          subject=st.sampled_from([None, "Moved", "Sync"]))
    def edit_an_occurrence(self, side, data, hours, subject):
        series_id, keys = self._a_series(side, data)
        if not keys:
            return
        key = data.draw(st.sampled_from(keys))
        self.tick()
        record = self.sides[side].records(Kind.EVENT)[series_id]
        change = {"subject": subject} if subject else {}
        if not record.all_day:
            shift = timedelta(hours=hours)
            occurrence = Series(record).occurrence(key)
            change.update(start=occurrence.start + shift, end=occurrence.end + shift)
        if change:
            self.touched(side, series_id)
            self.sides[side].edit_occurrence(series_id, key, **change)

    @rule(side=st.sampled_from(Side), data=st.data(), count=st.integers(1, 10))
    def change_the_rule(self, side, data, count):
        """The user shortens or lengthens a series (past the limited side's 8 occurrences too: a series it holds as
        a rule is then switched to its occurrences); cancelled and moved occurrences the new rule still has stay."""
        series_id, _ = self._a_series(side, data)
        if series_id is None:
            return
        if self.unfit[side] is not None:
            count = min(count, 8)  # (a user cannot make a series their own side refuses)
        if self.around != base.START and not self._paired(side, series_id) and not self._in_window(side, series_id,
                                                                                                    count):
            # (a series never synced, shortened to lie wholly before the window, is a new series there: not synced
            # at all, as create_series never makes one)
            return
        self._set_count(side, series_id, count)

    def _paired(self, side, series_id):
        return any(p.id_on(side) == series_id for p in self.state.iter_pairs(self.settings.profile, Kind.EVENT))

    def _in_window(self, side, series_id, count):
        recurrence, _ = self._with_count(side, series_id, count)
        job = self.settings.for_kind(Kind.EVENT)
        window = Window.around(self.clock.date(), job.past_days, job.future_days)
        return bool(Series(self.sides[side].records(Kind.EVENT)[series_id].replace(recurrence=recurrence))
                    .expand(window))

    def _with_count(self, side, series_id, count):
        """The series' recurrence with ``count`` occurrences (the cancelled and moved ones the new rule still has
        stay), and the original starts it keeps."""
        record = self.sides[side].records(Kind.EVENT)[series_id]
        recurrence = record.recurrence
        rule = attrs.evolve(recurrence.parts, count=count, until=None).text()
        kept = set(itertools.islice(Series(record.replace(recurrence=Recurrence(rule=rule, zone=recurrence.zone)))
                                    .starts(), count))
        return Recurrence(rule=rule, zone=recurrence.zone, exdates=[k for k in recurrence.exdates if k in kept],
                          overrides=[o for o in recurrence.overrides if o.original_start in kept]), kept

    @rule(data=st.data(), count=st.integers(9, 12))
    def lengthen_a_series_held_as_a_rule_past_the_limits(self, data, count):
        """A series the limited side holds as a rule, lengthened past its limits on the PIM: switched to its
        occurrences there at the next sync."""
        if self.unfit[Side.CRM] is None:
            return
        held = sorted(p.pim_id for p in self.state.iter_pairs(self.settings.profile, Kind.EVENT)
                      if getattr(p.base, "recurrence", None) is not None and "#" not in p.pim_id
                      and not p.crm_id.startswith("series:") and p.pim_id in self.pim.records(Kind.EVENT))
        if not held:
            return
        series_id = data.draw(st.sampled_from(held))
        record = self.pim.records(Kind.EVENT)[series_id]
        _, kept = self._with_count(Side.PIM, series_id, count)
        if set(itertools.islice(Series(record).starts(), count + 1)) == kept:
            return  # its end date already gives those occurrences: the same series (compared by occurrences), no edit
        self._set_count(Side.PIM, series_id, count)

    def _set_count(self, side, series_id, count):
        recurrence, kept = self._with_count(side, series_id, count)
        at = self.tick()
        # the occurrences the new rule no longer has are gone, with their copies (as a cancelled occurrence is)
        for pair in self.state.pairs_by_prefix(self.settings.profile, Kind.EVENT, side, series_id + "#"):
            split = split_occurrence_id(pair.id_on(side))
            if split is not None and split[0] == series_id and split[1] not in kept:
                self.deleted[(side, pair.id_on(side))] = at
        self.touched(side, series_id)
        self.sides[side].edit(series_id, recurrence=recurrence)

    @rule(side=st.sampled_from(Side), data=st.data())
    def cancel_an_occurrence(self, side, data):
        series_id, keys = self._a_series(side, data)
        if not keys:
            return
        key = data.draw(st.sampled_from(keys))
        self.deleted[(side, occurrence_id(series_id, key))] = self.tick()
        self.touched(side, series_id)
        self.sides[side].cancel_occurrence(series_id, key)

    def _a_copy(self, side, data):
        """An occurrence the engine wrote on a side that holds occurrences only (its link names the series)."""
        copies = sorted(i for i, link in self.sides[side].created_from.items()
                        if link and "#" in link and i in self.sides[side].records(Kind.EVENT))
        return data.draw(st.sampled_from(copies)) if copies and self.modes[side] is OCCURRENCES else None

    @rule(side=st.sampled_from(Side), data=st.data(), hours=st.sampled_from([1, -2]))
    def move_an_occurrence_copy(self, side, data, hours):
        native_id = self._a_copy(side, data)
        if native_id is None:
            return
        self.tick()
        self.touched(side, native_id)
        event = self.sides[side].records(Kind.EVENT)[native_id]
        shift = timedelta(days=hours) if event.all_day else timedelta(hours=hours)
        self.sides[side].edit(native_id, start=event.start + shift, end=event.end + shift)

    @rule(side=st.sampled_from(Side), data=st.data())
    def edit_an_occurrence_copy(self, side, data):
        native_id = self._a_copy(side, data)
        if native_id is not None:
            self.edit((side, native_id), data)

    @rule(side=st.sampled_from(Side), data=st.data())
    def delete_an_occurrence_copy(self, side, data):
        native_id = self._a_copy(side, data)
        if native_id is not None:
            self.deleted[(side, native_id)] = self.tick()
            self.sides[side].remove(native_id)

    @rule(ref=base.SyncMachine.ids)
    def delete(self, ref):
        side, native_id = ref
        record = self.sides[side].records(Kind.EVENT).get(native_id)
        if record is not None and record.recurrence is not None:
            # its occurrences go with it (the pairs of each occurrence the other side holds)
            at = self.tick()
            for pair in self.state.pairs_by_prefix(self.settings.profile, Kind.EVENT, side, native_id + "#"):
                self.deleted[(side, pair.id_on(side))] = at
        super().delete(ref)

    @rule(kind=st.sampled_from(Kind), side=st.sampled_from(Side))
    def sync_with_a_read_only_side(self, kind, side):
        super().sync_with_a_read_only_side(kind, side)
        # as with any prevented create: a series expanded while the other side was read-only gets its missing
        # occurrences when it is next edited (or read by a full scan)
        writable = side.other
        self.prevented |= {(writable, i) for i, r in self.sides[writable].records(Kind.EVENT).items()
                           if r.recurrence is not None}

    # -- checks ------------------------------------------------------------------------------------------------
    def check_converged(self, kind):
        # a series the other side cannot hold (it holds no series) stays where it is, reported
        for side in Side:
            if self.modes[side.other] is NONE or self.modes[side] is not RULES:
                self.prevented |= {(side, i) for i, r in self.sides[side].records(kind).items()
                                   if getattr(r, "recurrence", None) is not None and kind is Kind.EVENT}
        held = set()
        if kind is Kind.EVENT and self.unfit[Side.CRM] is not None:
            self.prevented |= self.waiting_switches()
            held = self.held_for_review() - self.prevented
        self.prevented |= held
        try:
            super().check_converged(kind)
        finally:
            self.prevented -= held  # (excused only while the review is open)
        if kind is Kind.EVENT:
            self.check_occurrences()
            self.check_no_copy_next_to_its_rule()
            self.check_nothing_written_while_in_review()

    def _apply(self, kind, plan, started, engine, *, recheck=False):
        self.note_kept_copies(plan)
        for op in plan.operations:
            # (a rule copy, not an occurrence copy a given-up switch deletes after its series' update, which waits
            # for the same writes: GivenUpSwitches checks where its edit went)
            if op.after_occurrences_of and op.target_id and getattr(self.sides[op.target].records(kind).get(
                    op.target_id), "recurrence", None) is not None:
                self.switched.setdefault((op.target, op.target_id), (op.target.other, op.after_occurrences_of))
        return super()._apply(kind, plan, started, engine, recheck=recheck)

    def check_no_lost_edit(self, kind: Kind) -> None:
        """The base check; an edit of a rule copy that a switch deleted (the user did not) went to its series (the
        switch carries the copy's edit over, docs/recurrence.md), and is looked for there; so did an edit of an
        occurrence copy that a switch given up deleted (check_carried_edits). An edit of a copy whose occurrence
        its series dropped after the edit reached it is replaced by that change (OccurrenceCopies)."""
        gone = {key for key in self.switched if key[1] not in self.sides[key[0]].records(kind)}
        carried = [e for e in self.edits if e[2] is kind and (e[1], e[3]) in gone
                   and self.deleted.get((e[1], e[3]), -1) <= e[0]]
        given_up = self.carried_copies(kind)
        replaced = self.replaced_occurrence_edits(self.edits)
        edits = self.edits
        self.edits = [e for e in edits if e not in carried and e not in replaced
                      and (e[1], e[3]) not in {(Side.CRM, i) for i in given_up}]
        try:
            super().check_no_lost_edit(kind)
        finally:
            self.edits = edits
        self.check_carried_edits(given_up)
        for seq, side, _, native_id, field, value in carried:
            if seq < self.clean_sync_seq[kind] or (kind, native_id, field) in self.conflicts \
                    or (side, native_id) in self.prevented:
                continue
            if seq != max(e[0] for e in edits if (e[1], e[3], e[4]) == (side, native_id, field)):
                continue  # a later edit of the same field on the same record replaced it
            series_side, series_id = self.switched[(side, native_id)]
            series = self.sides[series_side].records(kind).get(series_id)
            if series is None or any(e[0] > seq and (e[1], e[3], e[4]) == (series_side, series_id, field)
                                     for e in edits):
                continue  # deleted since, or its own later edit of that field wins
            held = self.sides[side].represent(series)
            assert getattr(held, field) == getattr(self.sides[side].represent(series.replace(**{field: value})),
                                                   field), f"edit of {field} to {value!r} lost with rule copy {native_id}"

    def check_occurrences(self):
        """Every series whose occurrences the other side holds has exactly its occurrences inside the window paired
        (assert_in_step has checked each pair holds equal records: a moved one where it was moved to)."""
        job = self.settings.for_kind(Kind.EVENT)
        window = Window.around(self.clock.date(), job.past_days, job.future_days)
        profile = self.settings.profile
        for side in Side:
            if self.modes[side] is not RULES or self.modes[side.other] is NONE:
                continue
            unfit = self.unfit[side.other]
            for series_id, record in self.sides[side].records(Kind.EVENT).items():
                if record.recurrence is None or (side, series_id) in self.prevented:
                    continue
                if self.modes[side.other] is RULES and (unfit is None or unfit(record) is None):
                    continue  # the other side holds it as a rule
                wanted = {occurrence_id(series_id, o.original_start) for o in Series(record).expand(window)}
                paired = {pair.id_on(side) for pair in self.state.pairs_by_prefix(profile, Kind.EVENT, side,
                                                                                   series_id + "#")}
                # (an occurrence whose copy was deleted while this side was read-only is unpaired and tombstoned,
                # as any record whose deletion was not allowed: it is not copied back; nor is one that comes back
                # to a copy it left behind on a side without links)
                wanted -= self.state.tombstoned(profile, Kind.EVENT, side, wanted - paired)
                assert paired == wanted, f"{series_id}: missing {wanted - paired}, extra {paired - wanted}"


class CuttingSeriesSyncMachine(SeriesSyncMachine):
    """The machine with a limited CRM side that cuts series (``cuts_series``) and series that start 10 to 60 days
    back, so that switches cut rule copies with occurrences before the window (drawn from all modes, that one is
    seldom reached in a short run)."""

    @initialize(policy=st.sampled_from(base.POLICIES),
                pim_links=st.booleans(), crm_links=st.booleans(), pim_unread=st.booleans(),
                modes=st.just((RULES, CUTTING)))
    def setup(self, policy, pim_links, crm_links, pim_unread, modes) -> None:
        SeriesSyncMachine.setup(self, policy, pim_links, crm_links, pim_unread, modes)


TestSeriesSyncMachine = SeriesSyncMachine.TestCase
TestCuttingSeriesSyncMachine = CuttingSeriesSyncMachine.TestCase
# (a long run on top of the base machine's: the soak profiles explore further, bench/soak)
if not os.environ.get("HYPOTHESIS_PROFILE", "").startswith("soak"):
    TestSeriesSyncMachine.settings = settings(settings.default, max_examples=min(settings.default.max_examples, 60))
    TestCuttingSeriesSyncMachine.settings = settings(settings.default,
                                                     max_examples=min(settings.default.max_examples, 45))
