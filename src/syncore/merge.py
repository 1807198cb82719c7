"""Field-level three-way merge of one pair against its base.

Each side is compared with the base *as that side represents it* (so a value a side cannot hold, like
Salesforce turning "tentative" into "busy", is not an edit). Per field:

====================================  ==============================================================
neither side changed it               the base stands
one side changed it                   that side's value travels to the other side
both changed it to the same value     nothing to write; the base catches up
both changed it differently           a conflict: the policy (or a reviewer's resolution) names the
                                      winner, whose value travels; no winner: left for review
compared side against side            equal values agree; an empty value yields to a filled one
(``two_way``: no common ancestor, or  where the base holds none (no ancestor; under an open conflict,
a field under an open conflict)       emptying the base's value was an edit); two different values
                                      are a conflict as above
====================================  ==============================================================

A value that travels to a side the job may not update stays out of the writes, and the base keeps that side's
value, so the field is never copied backwards later. The body has one more rule (``preserve_formatted_bodies``):
a formatted PIM body is not overwritten by the CRM's plain text; the PIM body is remembered (``pim_body``) so the
divergence is not seen as an edit next time. Fields merged from different sides that do not fit together (a
start from one side, an end from the other) make the whole record one conflict.

A series' ``recurrence`` is compared by its occurrences, never as text (:func:`syncore.series.same_series`), and
when both sides changed it, its rule, cancelled occurrences and each modified occurrence are merged on their own
(:mod:`syncore.series_merge`); only what does not combine is a conflict.

Two traits of a side (declared in its :class:`~syncore.remote.Capabilities`) adjust what counts as its edit:

* a **write-only** field (Salesforce acts on an event's attendees by relating people, and never reads them
  back) is never an edit of that side, and is written there whenever its merged value differs from the base,
  even though the side's representation drops it;
* a **lossy-empty** field (a company Salesforce could not put under an Account) read empty from that side is
  not an edit: the other side's value stays;
* a **read-only** field (Graph reports an event's attendees but never writes them, as writing them would send
  meeting requests) is never written to that side: a change from the other side stays there, and the base keeps
  the read-only side's value, as for a side the job may not update, so it is never copied backwards.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from .errors import InvalidRecordError
from .models import CRM, PIM, SIDES, Body, Event, Record, Side
from .series import same_series
from .series_merge import merge_recurrence
from .settings import ConflictPolicy, KindSettings

BODY_FIELDS = frozenset({"body", "notes"})


@attrs.frozen(kw_only=True)
class FieldConflict:
    """A field both sides changed differently; ``winner`` None means it waits for review."""

    field: str
    pim_value: Any
    crm_value: Any
    winner: Side | None
    reason: str


@attrs.frozen(kw_only=True)
class MergeResult:
    """What to write to each side and the new base once both writes succeed."""

    to_pim: frozenset[str]
    to_crm: frozenset[str]
    base: Record
    pim_body: Body | None
    conflicts: tuple[FieldConflict, ...] = ()
    body_kept: bool = False
    #: fields whose conflict is left for review
    open_conflicts: frozenset[str] = frozenset()

    def writes(self, side: Side) -> frozenset[str]:
        """The fields to write to ``side``."""
        return self.to_pim if side is PIM else self.to_crm


@attrs.frozen(kw_only=True)
class MergeInput:
    """The three versions of one pair and what each side looks like when unchanged."""

    base: Record
    pim: Record | None  # None: unchanged since the base
    crm: Record | None
    pim_modified: datetime | None = None
    crm_modified: datetime | None = None
    pim_body: Body | None = None  # the PIM body kept at the last sync, if any
    #: fields compared side against side because the base says nothing about them (first-sync matches,
    #: conflicts still open)
    two_way: frozenset[str] = frozenset()

    def read(self, side: Side) -> Record | None:
        """The record read on ``side`` this sync (None: unchanged)."""
        return self.pim if side is PIM else self.crm

    def modified(self, side: Side) -> datetime | None:
        """When ``side`` last modified its record."""
        return self.pim_modified if side is PIM else self.crm_modified


def differs(name: str, a: Record, b: Record) -> bool:
    """True when field ``name`` holds different values in ``a`` and ``b`` (a series' recurrence: different
    occurrences, however its rule is spelled)."""
    if name == "recurrence" and isinstance(a, Event) and isinstance(b, Event):
        return not same_series(a, b)
    return bool(getattr(a, name) != getattr(b, name))


@functools.cache
def _differing(cls: type[Record]) -> Callable[[Record, Record], list[str]]:
    """The names of the fields in which two records of type ``cls`` differ (:func:`differs` field by field), in
    declaration order, as straight-line code (the way attrs writes its methods): the merge asks this of every side
    it read, and a call of :func:`differs` per field was a third of the merge."""
    env: dict[str, Any] = {"_same_series": same_series}
    lines = ["def differing(a, b):", "    found = []"]
    for name in cls.field_names():
        test = "not _same_series(a, b)" if name == "recurrence" and issubclass(cls, Event) else f"a.{name} != b.{name}"
        lines += [f"    if {test}:", f"        found.append({name!r})"]
    lines.append("    return found")
    exec(compile("\n".join(lines), f"<syncore {cls.__name__} differing>", "exec"), env)  # noqa: S102
    return env["differing"]  # type: ignore[no-any-return]


def _edited(now: Record, unchanged: Record) -> list[str]:
    """The fields in which a side's record as the merge compares it differs from the base as that side holds it
    (in declaration order)."""
    if type(now) is type(unchanged):
        return _differing(type(now))(now, unchanged)
    return [name for name in unchanged.field_names() if differs(name, now, unchanged)]


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == () or (isinstance(value, Body) and not value)


def _winner(policy: ConflictPolicy, settings: KindSettings, inp: MergeInput) -> tuple[Side | None, str]:
    for master in SIDES:
        if not settings.direction.flows_to(master):
            # a one-way job has a master: its side wins whatever the policy says
            return master, f"one-way sync from the {master.value.upper()}"
    if policy is ConflictPolicy.PIM_WINS:
        return PIM, "policy pim_wins"
    if policy is ConflictPolicy.CRM_WINS:
        return CRM, "policy crm_wins"
    if policy is ConflictPolicy.NEWEST_WINS:
        pim_at, crm_at = inp.modified(PIM), inp.modified(CRM)
        if pim_at is None or crm_at is None or pim_at == crm_at:
            return None, "newest_wins could not tell which side changed last"
        newest = PIM if pim_at > crm_at else CRM
        return newest, f"newest_wins: {newest.value.upper()} changed last"
    return None, "policy manual: left for review"


def merge(
    inp: MergeInput,
    *,
    represent_pim: Callable[[Record], Record],
    represent_crm: Callable[[Record], Record],
    settings: KindSettings,
    policy: ConflictPolicy,
    preserve_formatted_bodies: bool,
    pim_keeps_formatting: bool,
    resolutions: dict[str, Side] | None = None,
    write_only: Mapping[Side, frozenset[str]] | None = None,
    lossy_empty: Mapping[Side, frozenset[str]] | None = None,
    read_only: Mapping[Side, frozenset[str]] | None = None,
) -> MergeResult:
    """Merge one pair field by field. ``resolutions`` forces a winner per field (from review); ``write_only``,
    ``lossy_empty`` and ``read_only`` name each side's fields with those traits (see the module docstring)."""
    represent = {PIM: represent_pim, CRM: represent_crm}
    resolutions = resolutions or {}
    write_only = write_only or {}
    read_only = read_only or {}
    base = inp.base
    # each side's view of the base, and the read records (bound once: the field loop below runs for every
    # field of every merged pair, and most fields differ on neither side)
    pim_unchanged, crm_unchanged = represent_pim(base), represent_crm(base)
    if inp.pim_body is not None:
        # The PIM kept its own body last time: that, not the base, is what an unchanged PIM holds.
        pim_unchanged = pim_unchanged.replace(**{f: inp.pim_body for f in BODY_FIELDS if f in base.field_names()})
    pim_read, crm_read = inp.pim, inp.crm
    lossy_empty = lossy_empty or {}
    # each side as the merge compares it (a write-only field, an empty lossy-empty one: no edit of that side)
    pim_now = as_edited(pim_read, pim_unchanged, write_only.get(PIM, frozenset()),
                        lossy_empty.get(PIM, frozenset()))
    crm_now = as_edited(crm_read, crm_unchanged, write_only.get(CRM, frozenset()),
                        lossy_empty.get(CRM, frozenset()))
    now = {PIM: pim_now, CRM: crm_now}
    new_values: dict[str, Any] = {}
    writes: dict[Side, set[str]] = {PIM: set(), CRM: set()}
    conflicts: list[FieldConflict] = []
    open_conflicts: set[str] = set()
    pim_body = inp.pim_body
    body_kept = False

    # each read side's edits, in one pass per side (a side not read changed nothing); the fields either changed,
    # in declaration order (the merged start and end come before the recurrence), or every field when some are
    # compared side against side
    pim_edits = _edited(pim_now, pim_unchanged) if pim_read is not None else []
    crm_edits = _edited(crm_now, crm_unchanged) if crm_read is not None else []
    candidates: Sequence[str]
    if inp.two_way:
        candidates = base.field_names()
    elif pim_edits and crm_edits:
        candidates = [name for name in base.field_names() if name in pim_edits or name in crm_edits]
    else:
        candidates = pim_edits or crm_edits
    for name in candidates:
        pim_changed = name in pim_edits
        crm_changed = name in crm_edits
        two_way = name in inp.two_way
        if not (pim_changed or crm_changed or two_way):
            continue  # untouched on both sides: the base stands
        changed = {PIM: pim_changed, CRM: crm_changed}
        value = {side: getattr(now[side], name) for side in SIDES}
        if two_way:
            if not differs(name, represent_crm(now[PIM]), now[CRM]):
                new_values[name] = value[PIM]  # no common ancestor, but they agree: that is the base now
                continue
            # no common ancestor: a filled value counts as an edit, an empty one yields to it. A field under an
            # open conflict has one (the base keeps its last agreed value): clearing that value was an edit, so an
            # empty value against a filled one stays a conflict there, never overwritten unasked
            ancestor = {side: not _is_empty(getattr(base, name)) for side in SIDES}
            if inp.pim_body is not None and name in BODY_FIELDS:
                # the PIM's last agreed body is the formatted one it kept, not the base's text (which the CRM holds)
                ancestor[PIM] = not _is_empty(inp.pim_body)
            changed = {side: ancestor[side] or not _is_empty(value[side]) for side in SIDES}
            if not any(changed.values()):
                continue
        if all(changed.values()) and not differs(name, now[PIM], now[CRM]):
            # both sides made the same edit: nothing to write, the base catches up
            new_values[name] = value[PIM]
            pim_body = None if name in BODY_FIELDS else pim_body
            continue
        combined = None
        if all(changed.values()) and name == "recurrence" and not two_way and name not in resolutions:
            combined = merge_recurrence(base, now[PIM], now[CRM],  # type: ignore[arg-type]
                                        start=new_values.get("start", base.start),  # type: ignore[attr-defined]
                                        end=new_values.get("end", base.end))  # type: ignore[attr-defined]
            if combined.value is not None and all(settings.may("update", side) for side in SIDES):
                # both changed the series in ways that fit together (the rule here, an occurrence there): both kept
                new_values[name] = combined.value
                writes[PIM].add(name)
                writes[CRM].add(name)
                continue
        if all(changed.values()):
            # both changed differently: a conflict for the policy, a reviewer's resolution, or the review
            if name in resolutions:
                winner, reason = resolutions[name], "resolved at review"
            else:
                winner, reason = _winner(policy, settings, inp)
            if combined is not None and combined.conflicts:
                reason = f"{'; '.join(combined.conflicts)}; {reason}"
            conflicts.append(FieldConflict(field=name, pim_value=value[PIM], crm_value=value[CRM],
                                           winner=winner, reason=reason))
            if winner is None:
                open_conflicts.add(name)
                continue
        else:
            # changed on one side only: that side's value travels
            winner = PIM if changed[PIM] else CRM
        loser = winner.other
        if (winner is CRM and name in BODY_FIELDS and preserve_formatted_bodies and pim_keeps_formatting
                and isinstance(value[PIM], Body) and value[PIM].is_formatted):
            # the formatted Outlook body stays; remember it so the divergence is not an edit next time
            new_values[name] = value[CRM]
            pim_body = value[PIM]
            body_kept = True
            continue
        pim_body = None if name in BODY_FIELDS else pim_body
        if settings.may("update", loser) and name not in read_only.get(loser, frozenset()):
            new_values[name] = value[winner]
            writes[loser].add(name)
        else:
            # not allowed to write the loser (the job forbids it, or the loser never takes this field): the base
            # keeps the loser's value (the old base if it was not read), so the field stays "changed on the
            # winner" and is never copied backwards
            new_values[name] = value[loser] if inp.read(loser) is not None else getattr(base, name)

    try:
        new_base = base.replace(**new_values) if new_values else base
    except InvalidRecordError:
        # fields merged from different sides don't fit together: the whole record is one conflict
        return _whole_record(inp, settings, policy, now, resolutions, read_only)

    for side in SIDES if write_only else ():  # (most sides have no write-only field)
        for name in write_only.get(side, frozenset()) & set(base.field_names()):
            if getattr(new_base, name) != getattr(base, name) and settings.may("update", side):
                # the side acts on this field without holding it: every change since the base goes there
                writes[side].add(name)
    # Writing a value the target already holds would only bump its version.
    for side in SIDES:
        if writes[side]:
            new_as_side = represent[side](new_base)
            writes[side] = {name for name in writes[side] if name in write_only.get(side, frozenset())
                            or differs(name, new_as_side, now[side])}
    return MergeResult(
        to_pim=frozenset(writes[PIM]), to_crm=frozenset(writes[CRM]), base=new_base, pim_body=pim_body,
        conflicts=tuple(conflicts), body_kept=body_kept, open_conflicts=frozenset(open_conflicts),
    )


def as_edited(read: Record | None, unchanged: Record, write_only: frozenset[str],
               lossy_empty: frozenset[str]) -> Record:
    """A side's record as the merge compares it: what it read, with the values that are no edit of it put back
    to the base's (a write-only field; an empty lossy-empty field)."""
    if read is None or not (write_only or lossy_empty):  # (most sides have neither)
        return read if read is not None else unchanged
    names = set(read.field_names())
    keep = {name: getattr(unchanged, name) for name in write_only & names
            if getattr(read, name) != getattr(unchanged, name)}
    keep.update({name: getattr(unchanged, name) for name in lossy_empty & names
                 if _is_empty(getattr(read, name)) and not _is_empty(getattr(unchanged, name))})
    return read.replace(**keep) if keep else read


def _whole_record(
    inp: MergeInput, settings: KindSettings, policy: ConflictPolicy, now: dict[Side, Record],
    resolutions: dict[str, Side], read_only: Mapping[Side, frozenset[str]],
) -> MergeResult:
    if "*" in resolutions:
        winner, reason = resolutions["*"], "resolved at review"
    else:
        winner, reason = _winner(policy, settings, inp)
    conflict = FieldConflict(
        field="*", pim_value=None, crm_value=None, winner=winner, reason=f"changes don't combine; {reason}"
    )
    if winner is None:
        return MergeResult(to_pim=frozenset(), to_crm=frozenset(), base=inp.base, pim_body=inp.pim_body,
                           conflicts=(conflict,), open_conflicts=frozenset(now[PIM].changed_fields(now[CRM])))
    loser = winner.other
    kept = read_only.get(loser, frozenset()) & set(inp.base.field_names())
    fields = frozenset(now[winner].changed_fields(now[loser])) - kept
    allowed = settings.may("update", loser)
    writes = fields if allowed else frozenset()
    # the loser never takes its read-only fields: the base keeps its values of them
    winner_base = now[winner].replace(**{name: getattr(now[loser], name) for name in kept})
    return MergeResult(
        to_pim=writes if loser is PIM else frozenset(),
        to_crm=writes if loser is CRM else frozenset(),
        base=winner_base if allowed else inp.base,
        pim_body=None,
        conflicts=(conflict,),
    )


def without_fields(record: Record, names: frozenset[str]) -> Record:
    """``record`` with the fields ``names`` at their defaults: what a side holds of a record it created without
    taking those fields (its read-only fields, which are optional fields: their defaults are valid values)."""
    if not names:
        return record  # most sides have none: no work per written record
    declared = attrs.fields_dict(type(record))
    changes: dict[str, Any] = {}
    for name in names & set(record.field_names()):
        default = declared[name].default
        if default is attrs.NOTHING:
            continue  # a required field is always written
        value = default.factory() if isinstance(default, attrs.Factory) else default  # type: ignore[attr-defined]
        if getattr(record, name) != value:
            changes[name] = value
    return record.replace(**changes) if changes else record
