"""The review half of the engine state machines (test_state_machine.py, test_state_machine_series.py): conflicts
the policy leaves for review (``manual``; a ``newest_wins`` tie), a user resolving them as ``syncore sync --review``
does, and what must hold of both (docs/concepts.md, "Conflict rules"):

* every conflict left open is listed by the next plan, named as a person knows the record (its subject, else the
  contact's name or email), and nothing is written for its field while it is open: both records keep the values
  they had when it was left open, until a user edits that field (under ``newest_wins``: that record) or picks;
* a pick at review is applied: once synced, both records hold the picked side's value (the pair in step, no edit
  lost, nothing duplicated and a second sync planning nothing are the machine's own checks); a pick whose apply
  was cut short by a fault may be asked again, but is never replaced by anything else.

A mixin of :class:`test_state_machine.SyncMachine`, kept apart to keep that module readable.
"""

from __future__ import annotations

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import rule

from syncore import ConflictPolicy, Kind, Side
from syncore.errors import AdapterError, SimulatedCrash, SyncLocked
from syncore.merge import BODY_FIELDS
from syncore.occurrences import marked_series, split_occurrence_id
from syncore.plan import Plan
from syncore.review import conflict_record, render_conflict, review_plan


def series_id(native_id: str) -> str:
    """The stored record an id names: an occurrence's series (an occurrence changes when its series does)."""
    split = split_occurrence_id(native_id)
    return native_id if split is None else split[0]


def title(record) -> str:
    """What a person calls a record: its subject, else the contact's name, else the email address."""
    values = record.values()
    if values.get("subject"):
        return str(values["subject"])
    name = f"{values.get('first_name') or ''} {values.get('last_name') or ''}".strip()
    return name or str(values.get("email") or "")


@attrs.frozen
class Opened:
    """A conflict seen left open (the stored pair holds it): when, and what each side held then."""

    seq: int
    pim_value: object
    crm_value: object


@attrs.frozen
class Pick:
    """A reviewer's pick: when, which side, what that side held then (as read there, and as the CRM holds it),
    and whether the apply that carried it finished without an error."""

    seq: int
    winner: Side
    value: object
    crm_value: object
    ok: bool = False


class ReviewMachine:
    """Rules and checks for conflicts left for review (mixed into :class:`SyncMachine`)."""

    def init_review(self) -> None:
        #: (kind, pim id, crm id, field) -> the conflict as first seen open (since the last edit of that field)
        self.opened: dict[tuple[Kind, str, str, str], Opened] = {}
        #: (kind, pim id, crm id, field) -> the reviewer's pick
        self.picks: dict[tuple[Kind, str, str, str], Pick] = {}
        #: (side, id, field) -> the seq of the user's last edit of that field; (side, id, None): of anything else a
        #: user did to the record (deleted it; for a series: its rule, an occurrence)
        self.touched_at: dict[tuple[Side, str, str | None], int] = {}

    def touch(self, side: Side, native_id: str, seq: int, field: str | None = None) -> None:
        self.touched_at[(side, native_id, field)] = seq

    def touched_since(self, seq: int, pim_id: str, crm_id: str, field: str) -> bool:
        """Did a user change ``field`` of either record (or, under ``newest_wins``, anything of it: that decides
        which side changed last) after ``seq``? An occurrence counts as changed with its series."""
        whole = self.settings.conflict_policy is ConflictPolicy.NEWEST_WINS
        for side, native_id in ((Side.PIM, pim_id), (Side.CRM, crm_id)):
            for record_id in {native_id, series_id(native_id)}:
                if self.deleted.get((side, record_id), -1) > seq:
                    return True
                if any(at > seq for (s, i, f), at in self.touched_at.items()
                       if s is side and i == record_id and (whole or f in (None, field))):
                    return True
        return False

    # -- rules -------------------------------------------------------------------------------------------------
    @rule(data=st.data())
    def edit_both_sides_at_once(self, data: st.DataObject) -> None:
        """Two users change the same field of one record on both sides within the same second: a conflict, which
        ``newest_wins`` cannot decide (no side changed last) and leaves for review. (Without a pair yet, one is
        made first: a record created and synced cleanly, so that conflicts are common enough to be reviewed.)"""
        pairs = {kind: [p for p in self.state.iter_pairs(self.settings.profile, kind)
                        if not any(marked_series(p.id_on(s)) or split_occurrence_id(p.id_on(s)) for s in Side)
                        and all(p.id_on(s) in self.sides[s].records(kind) for s in Side)] for kind in Kind}
        kinds = [kind for kind in Kind if pairs[kind]]
        if not kinds:
            kind = data.draw(st.sampled_from(Kind))
            self.create(data.draw(st.sampled_from(Side)), kind, data)
            self.sync_clean(kind)
            return
        kind = data.draw(st.sampled_from(kinds))
        pair = data.draw(st.sampled_from(sorted(pairs[kind], key=lambda p: p.pair_id)))
        field = data.draw(st.sampled_from(self.editable(kind)))
        self.tick()
        for side in Side:
            self.apply_edit(side, pair.id_on(side), kind, field, data.draw(self.values_for(kind, field)),
                            same_second=True)
        if data.draw(st.booleans(), label="then a clean sync"):
            self.sync_clean(kind)  # (so that conflicts are often open when a reviewer comes)

    @rule(data=st.data())
    def review_and_resolve(self, data: st.DataObject) -> None:
        """``syncore sync --review``: plan, answer each question (every change included; each conflict left for
        review: the PIM's value, the CRM's, or decide later), apply. Faults armed before may cut it short. (A kind
        with a conflict left open is reviewed, if there is one.)"""
        kinds = [kind for kind in Kind
                 if any(p.conflicts for p in self.state.iter_pairs(self.settings.profile, kind))]
        kind = data.draw(st.sampled_from(kinds or list(Kind)))
        started = self.tick()
        before = {side: set(self.sides[side].created_from) for side in Side}
        shown: list[str] = []

        def ask(question: str) -> str:
            if "which value wins" not in question:
                return "y"
            return data.draw(st.sampled_from(["p", "c", ""]), label="pick")

        try:
            with self.engine.locked():
                plan = self.engine.plan(kind)
                stored = {p.pair_id: p for p in self.state.iter_pairs(self.settings.profile, kind)}
                asked = {c.conflict_id for c in plan.conflicts if c.resolution is None}
                assert review_plan(plan, ask=ask, show=shown.append)
                self.check_named(kind, plan, stored, shown, asked)
                picked = self.note_picks(kind, plan, started)
                result = self._apply(kind, plan, started, self.engine)
                for key in picked:
                    self.picks[key] = attrs.evolve(self.picks[key], ok=result is not None and result.ok)
        except (AdapterError, SimulatedCrash, SyncLocked):
            pass
        finally:
            self._note_synced_edits(kind, started)
        self._note_orphans(kind, before)
        if data.draw(st.booleans(), label="then a clean sync"):
            self.sync_clean(kind)  # (so that the picks' checks run often; the next steps may edit first instead)

    # -- bookkeeping -------------------------------------------------------------------------------------------
    def conflict_fields(self, plan: Plan, conflict) -> frozenset[str]:
        """The fields a conflict is about: its own, or (a whole-record one, ``*``) those its pair leaves open (or,
        decided, those in which the two records differ)."""
        if conflict.field != "*":
            return frozenset({conflict.field})
        pair = next(p for p in plan.pairs if p.pair_id == conflict.pair_id)
        return pair.conflicts or frozenset(self.crm.represent(conflict.pim_value).changed_fields(conflict.crm_value))

    def note_picks(self, kind: Kind, plan: Plan, seq: int) -> list[tuple[Kind, str, str, str]]:
        """Remember what the reviewer picked, with the picked side's value as read there now."""
        picked = []
        recs = {side: self.records_of(side, kind) for side in Side}
        for conflict in plan.conflicts:
            if conflict.applied or conflict.resolution is None:
                continue  # decided by the policy, or left for later
            pair = next(p for p in plan.pairs if p.pair_id == conflict.pair_id)
            if not (pair.pim_id and pair.crm_id) or pair.pim_id not in recs[Side.PIM] \
                    or pair.crm_id not in recs[Side.CRM]:
                continue
            winner = conflict.resolution
            record = recs[winner][pair.id_on(winner)]
            for field in self.conflict_fields(plan, conflict):
                key = (kind, pair.pim_id, pair.crm_id, field)
                self.picks[key] = Pick(seq=seq, winner=winner, value=getattr(record, field),
                                       crm_value=getattr(self.crm.represent(record), field))
                self.opened.pop(key, None)
                picked.append(key)
        return picked

    def note_opened(self, kind: Kind, plan: Plan, seq: int) -> None:
        """After an apply: each conflict it left open that its pair now holds open is remembered with both values,
        unless it is already (and no user changed that field since)."""
        open_fields = {(p.pim_id, p.crm_id): p.conflicts for p in self.state.iter_pairs(self.settings.profile, kind)
                       if p.conflicts}
        if not open_fields:
            return
        recs = {side: self.records_of(side, kind) for side in Side}
        for conflict in plan.conflicts:
            if conflict.resolution is not None:
                continue
            pair = next(p for p in plan.pairs if p.pair_id == conflict.pair_id)
            ids = (pair.pim_id, pair.crm_id)
            if ids not in open_fields or ids[0] not in recs[Side.PIM] or ids[1] not in recs[Side.CRM]:
                continue
            for field in self.conflict_fields(plan, conflict) & open_fields[ids]:
                key = (kind, *ids, field)
                known = self.opened.get(key)
                if known is None or self.touched_since(known.seq, *ids, field):
                    self.opened[key] = Opened(seq=seq, pim_value=getattr(recs[Side.PIM][ids[0]], field),
                                              crm_value=getattr(recs[Side.CRM][ids[1]], field))

    # -- checks ------------------------------------------------------------------------------------------------
    def check_named(self, kind: Kind, plan: Plan, stored: dict, shown: list[str] | None = None,
                    asked: set[str] | None = None) -> None:
        """Every conflict left open (``asked``: those, by id, before a review resolved some) is named as a person
        knows its record, where either record has a name now (the subject or name either record has, or had when
        they last agreed); ``shown``: in the lines the review showed."""
        recs = {side: self.records_of(side, kind) for side in Side}
        if asked is None:
            asked = {c.conflict_id for c in plan.conflicts if c.resolution is None}
        for conflict in plan.conflicts:
            if conflict.conflict_id not in asked:
                continue
            pair = next(p for p in plan.pairs if p.pair_id == conflict.pair_id)
            names = {title(recs[side][pair.id_on(side)]) for side in Side
                     if pair.id_on(side) in recs[side]} - {""}
            if names and conflict.pair_id in stored:
                names.add(title(stored[conflict.pair_id].base))  # (a record both sides cleared has no name now)
            lines = shown if shown is not None else [render_conflict(conflict, record=conflict_record(plan, conflict))]
            line = next(line for line in lines if f"[{conflict.conflict_id}]" in line)
            assert f"field {conflict.field}" in line, line
            if names:
                assert any(f"{name!r}, field" in line for name in names), f"not named as {names}: {line}"

    def check_review(self, kind: Kind, plan: Plan) -> None:
        """After a clean sync (``plan``: the next one, which writes nothing): every conflict a pair holds open is
        listed and named; none closed without a pick or an edit, and nothing written for it while open; every pick
        applied."""
        profile = self.settings.profile
        pairs = {(p.pim_id, p.crm_id): p for p in self.state.iter_pairs(profile, kind)}
        listed: dict[str, set[str]] = {}
        for conflict in plan.conflicts:
            if conflict.resolution is None:
                listed.setdefault(conflict.pair_id, set()).add(conflict.field)
        for pair in pairs.values():
            fields = listed.get(pair.pair_id, set())
            if pair.conflicts and not any(marked_series(pair.id_on(s)) for s in Side):
                assert "*" in fields or pair.conflicts <= fields, (
                    f"{pair.pim_id}/{pair.crm_id}: {sorted(pair.conflicts - fields)} open but not listed")
        self.check_named(kind, plan, {p.pair_id: p for p in pairs.values()})
        recs = {side: self.records_of(side, kind) for side in Side}
        for key, opened in list(self.opened.items()):
            if key[0] is not kind:
                continue
            _, pim_id, crm_id, field = key
            if self.touched_since(opened.seq, pim_id, crm_id, field):
                del self.opened[key]
                continue
            pair = pairs.get((pim_id, crm_id))
            if pair is None and crm_id in getattr(self, "kept_single", ()):
                # the copy of a given-up switch kept as a single event, reported (series_fold.KEPT_SINGLE): neither
                # value is lost, the occurrence keeps its own in the series and the copy its own in the CRM
                assert getattr(recs[Side.CRM][crm_id], field) == opened.crm_value, (
                    f"{crm_id}, kept as a single event with its conflict on {field}, lost its value")
                del self.opened[key]
                continue
            assert pair is not None, f"{pim_id}/{crm_id}, open on {field}, unpaired though no user touched it"
            assert field in pair.conflicts, (
                f"{pim_id}/{crm_id}: the conflict on {field} ({opened.pim_value!r} vs {opened.crm_value!r}) was "
                f"closed without a pick or an edit: now {getattr(recs[Side.PIM][pim_id], field)!r} vs "
                f"{getattr(recs[Side.CRM][crm_id], field)!r}")
            now = (getattr(recs[Side.PIM][pim_id], field), getattr(recs[Side.CRM][crm_id], field))
            assert now == (opened.pim_value, opened.crm_value), (
                f"{pim_id}/{crm_id}: {field} written while its conflict was open: "
                f"{(opened.pim_value, opened.crm_value)!r} became {now!r}")
        for key, pick in list(self.picks.items()):
            if key[0] is not kind:
                continue
            _, pim_id, crm_id, field = key
            pair = pairs.get((pim_id, crm_id))
            if self.touched_since(pick.seq, pim_id, crm_id, field) or pair is None:
                del self.picks[key]  # a later edit or delete goes through the merge as any other
                continue
            if field in pair.conflicts:
                # asked again: only when the apply carrying the pick was cut short
                assert not pick.ok, f"{pim_id}/{crm_id}: {field} picked ({pick.winner.value}) and applied, open again"
                del self.picks[key]
                continue
            held = getattr(recs[Side.CRM][crm_id], field)
            assert held == pick.crm_value, (
                f"{pim_id}/{crm_id}: {pick.winner.value}'s {field} {pick.value!r} picked, the CRM holds {held!r}")
            if pick.winner is Side.PIM or field not in BODY_FIELDS or pair.pim_body is None:
                pim_held = getattr(self.crm.represent(recs[Side.PIM][pim_id]), field)
                assert pim_held == pick.crm_value, (
                    f"{pim_id}/{crm_id}: {pick.winner.value}'s {field} {pick.value!r} picked, the PIM holds "
                    f"{getattr(recs[Side.PIM][pim_id], field)!r}")
