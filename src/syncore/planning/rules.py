"""The rules a sync's decisions follow besides the records: the job, the conflict policy, how each side stores
records (:class:`Rules`, built once per sync by :func:`syncore.planning.rules_for`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import attrs

from ..merge import BODY_FIELDS, MergeInput, MergeResult, as_edited, merge
from ..models import CRM, PIM, Event, Kind, Record, Side, Task
from ..remote import RemoteRecord
from ..settings import ConflictPolicy, KindSettings
from ..state_types import Pair
from .decide_series import is_occurrence
from .series import SeriesPolicy, is_series


@attrs.frozen(kw_only=True)
class Rules:
    """What the decisions depend on besides the records: the job, the policy, how each side stores records.

    ``job`` is the kind's settings with read-only sides already taken out of every write permission.
    """

    profile: str
    kind: Kind
    job: KindSettings
    policy: ConflictPolicy
    preserve_formatted_bodies: bool
    pim_keeps_formatting: bool
    represent: dict[Side, Callable[[Record], Record]]
    today: date
    #: where series go and what each side holds of them
    series: SeriesPolicy
    #: each side's write-only and lossy-empty fields (see :mod:`syncore.merge`)
    write_only: dict[Side, frozenset[str]] = attrs.field(factory=dict)
    lossy_empty: dict[Side, frozenset[str]] = attrs.field(factory=dict)
    #: each side's read-only fields (see :mod:`syncore.merge`)
    read_only: dict[Side, frozenset[str]] = attrs.field(factory=dict)

    def may(self, action: str, target: Side) -> bool:
        """True when ``action`` may be written to ``target``."""
        return self.job.may(action, target)

    def merge(self, inp: MergeInput, resolutions: dict[str, Side] | None = None) -> MergeResult:
        """The field-level merge of one pair under these rules."""
        return merge(inp, represent_pim=self.represent[PIM], represent_crm=self.represent[CRM],
                     settings=self.job, policy=self.policy, preserve_formatted_bodies=self.preserve_formatted_bodies,
                     pim_keeps_formatting=self.pim_keeps_formatting, resolutions=resolutions,
                     write_only=self.write_only, lossy_empty=self.lossy_empty, read_only=self.read_only)

    def as_stored(self, side: Side, pair: Pair) -> Record:
        """The pair's base as ``side`` holds it when unchanged (a kept Outlook body included)."""
        record = self.represent[side](pair.base)
        if side is PIM and pair.pim_body is not None:
            record = record.replace(**{f: pair.pim_body for f in BODY_FIELDS if f in record.field_names()})
        return record

    def edited_fields(self, side: Side, record: Record, pair: Pair) -> frozenset[str]:
        """The fields of ``record`` (read on ``side``) that differ from the pair's base as that side holds it,
        leaving out what is no edit of that side (write-only fields, lossy-empty fields read empty)."""
        return self.edited_since(side, record, self.as_stored(side, pair))

    def edited_since(self, side: Side, record: Record, held: Record) -> frozenset[str]:
        """The fields of ``record`` (read on ``side``) that differ from ``held`` (what that side was taken to
        hold, as it holds it), leaving out what is no edit of that side. The one comparison behind "edited since":
        the planner's, and the recheck of a delete before it is made (:attr:`~syncore.plan.Operation.held`)."""
        read = as_edited(record, held, self.write_only.get(side, frozenset()),
                         self.lossy_empty.get(side, frozenset()))
        return read.changed_fields(held)

    def private(self, record: Record) -> bool:
        """True for a private item while private items are not synced."""
        return not self.job.include_private and bool(getattr(record, "private", False))

    def in_range(self, side: Side, item: RemoteRecord) -> bool:
        """True when a new event or task read on ``side`` falls inside the job's date window (a series: one of its
        occurrences).

        An occurrence of an expanded series is always inside: the expander materialised it because its original
        start is, and that is what the window bounds (an override moving it past the window's end does not take
        it out, or its copy would never be made while the series counts it as synced).
        """
        if is_occurrence(self.series, side, item.id):
            return True
        record = item.record
        if is_series(record):
            return self.series.in_window(record)
        first = self.today - timedelta(days=self.job.past_days)
        last = self.today + timedelta(days=self.job.future_days)
        if isinstance(record, Event):
            start = record.start if record.all_day else record.start.date()  # type: ignore[union-attr]
            end = record.end if record.all_day else record.end.date()  # type: ignore[union-attr]
            return end >= first and start <= last
        if isinstance(record, Task) and record.due is not None:
            return first <= record.due <= last
        return True
