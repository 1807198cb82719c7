"""What the series state machine (test_state_machine_series.py) checks of series whose switch to occurrences waits
(docs/recurrence.md, "Switching a series to its occurrences"): a switch that waits is reported by every sync, and one
that waits for the review of a conflict has nothing written for its series until the review is resolved ("A switch
waiting for review"), also for the occurrences an earlier interrupted switch of it left.
"""

from __future__ import annotations

from syncore import Kind, Side
from syncore.occurrences import split_occurrence_id
from syncore.state_types import PendingCategory


class WaitingSwitches:
    """Mixed into :class:`SeriesSyncMachine`: the checks of waiting switches (its state: sides, state, settings,
    prevented, unfit, engine; the copies bookkeeping of :class:`GivenUpSwitches`)."""

    def series_in_review(self) -> set[str]:
        """The PIM series pending as a conflict (a switch that waits for its review)."""
        return {p.native_id for p in self.state.pending(self.settings.profile, Kind.EVENT)
                if p.side is Side.PIM and p.category is PendingCategory.CONFLICT and "#" not in p.native_id}

    def waiting_switches(self) -> set:
        """Series the limited side holds as a rule that an edit took past its limits and that are not switched
        (its rule copy was edited there too in a field the series' edit changed as well, or has occurrences before
        the window, or a re-create of it is being recovered: docs/recurrence.md): the edit
        waits, reported, and the pair is not in step meanwhile. Each must be reported by the last sync."""
        waiting = set()
        pim = self.pim.records(Kind.EVENT)
        for pair in self.state.iter_pairs(self.settings.profile, Kind.EVENT):
            record = pim.get(pair.pim_id)
            if (Side.PIM, pair.pim_id) in self.prevented:
                continue  # edited while the CRM was read-only: as any prevented write, it waits for its next edit
            if (record is not None and record.recurrence is not None and not pair.crm_id.startswith("series:")
                    and "#" not in pair.pim_id and self.unfit[Side.CRM](record) is not None):
                plan = self.engine.plan(Kind.EVENT)
                assert any(skip.native_id == pair.pim_id and skip.reason.startswith("not written to the CRM")
                           for skip in plan.skipped), f"{pair.pim_id}: past the limits, neither switched nor reported"
                waiting |= {(Side.PIM, pair.pim_id), (Side.CRM, pair.crm_id)}
        return waiting

    def held_for_review(self) -> set:
        """The occurrence pairs an interrupted switch left of a series whose new switch waits for review (its PIM
        record pending as a conflict): nothing is written for that series until the review is resolved
        (docs/recurrence.md, "A switch waiting for review"), so its occurrences, which follow the series' edit, and
        their copies, which do not, differ meanwhile."""
        profile = self.settings.profile
        in_review = self.series_in_review()
        held = set()
        for pair in self.state.iter_pairs(profile, Kind.EVENT):
            split = split_occurrence_id(pair.pim_id)
            if split is not None and split[0] in in_review and (Side.PIM, split[0]) in self.prevented:
                held |= {(Side.PIM, pair.pim_id), (Side.CRM, pair.crm_id)}
        return held

    def check_nothing_written_while_in_review(self) -> None:
        """A series whose switch waits for review has nothing written for it (docs/recurrence.md, "A switch waiting
        for review"): no single event next to its rule copy holds an edit of the series that the rule copy does not
        hold (a value nobody picked, or an edit that goes with the switch; the pair's base holds what the two last
        agreed on), unless the CRM user wrote it there."""
        profile = self.settings.profile
        in_review = self.series_in_review()
        if not in_review:
            return
        pim, crm = self.pim.records(Kind.EVENT), self.crm.records(Kind.EVENT)
        for copy_id, (series_id, key) in self._copies_next_to_rules().items():
            if series_id not in in_review or copy_id in self.copy_edits:
                continue
            [rule_pair] = [p for p in self.state.pairs_for(profile, Kind.EVENT, pim_ids=[series_id])
                           if p.crm_id == self._rule_copy_of(series_id)]
            series, base = self.crm.represent(pim[series_id]), self.crm.represent(rule_pair.base)
            rule_copy = crm[rule_pair.crm_id]
            # (the series' edits that its rule copy does not hold: in conflict, or going with the switch; the rule's
            # and the times are the occurrences' own, a body is compared as each side stores it)
            edited = series.changed_fields(base) & series.changed_fields(rule_copy)
            for field in sorted(edited - {"recurrence", "start", "end", "body"}):
                unwritten = getattr(series, field)
                assert getattr(crm[copy_id], field) != unwritten, (
                    f"CRM single event {copy_id} (occurrence {key} of {series_id}) holds the PIM series' {field} "
                    f"{unwritten!r}, which its rule copy does not, while the series' switch waits for review")
