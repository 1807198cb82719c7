"""The cut of a switched series' rule copy that holds occurrences before the sync window (docs/recurrence.md, "A
rule copy with history"): how much history a copy holds, where a side that cuts series (``cuts_series``) cuts it,
and a cut of ours recognised on the copy as read again (its reply lost, or a crash after it)."""

from __future__ import annotations

import attrs

from ..models import Record, Side
from ..occurrences import ended_before
from ..recurrence import Key
from ..remote import RemoteRecord
from ..series import Series, Window, same_series
from ..state_types import Pair
from .series_policy import SeriesPolicy, is_series


def past_occurrences(record: Record, window: Window) -> int:
    """How many occurrences (not cancelled) the series ``record`` has before ``window``: on a side that holds it
    as a rule, the history deleting that copy would lose (nothing re-creates occurrences before the window)."""
    series = Series(record)  # type: ignore[arg-type]
    low, _ = window.bounds(series.all_day)
    return sum(1 for key in series.starts(None, low) if not series.is_cancelled(key))


def cut_point(policy: SeriesPolicy, side: Side, stored: Record) -> Key | None:
    """Where a switch cuts the rule copy ``stored`` (as its pair stored it) on ``side``: the window's first instant
    (or day, for an all-day series), whose occurrences and the later ones go; None when the copy is deleted instead
    (no occurrence before the window, or ``side`` cannot cut a series)."""
    if not policy.cuts[side] or not past_occurrences(stored, policy.window):
        return None
    return policy.window.bounds(Series(stored).all_day)[0]  # type: ignore[arg-type]


def uncut(policy: SeriesPolicy, side: Side, copy: RemoteRecord | None, stored: Record) -> RemoteRecord | None:
    """The rule copy as the switch compares and merges it: with the stored rule when its own is the stored one cut
    where a switch cuts it (a cut of ours landed: no edit of the copy); otherwise ``copy`` itself.

    The cut may have been made at an earlier window's first day (its reply lost, the next sync days later): the
    window only moves forward, so a cut of ours is the stored rule ended at the first of its occurrences the copy
    no longer has, at the latest where this sync would cut."""
    latest = cut_point(policy, side, stored)
    if copy is None or latest is None or not is_series(copy.record):
        return copy
    cut = ended_before(stored, _first_gone(stored, copy.record, latest))  # type: ignore[arg-type]
    if cut is None or cut is stored or not same_series(copy.record, cut):  # type: ignore[arg-type]
        return copy
    return attrs.evolve(copy, record=copy.record.replace(recurrence=stored.recurrence))  # type: ignore[attr-defined]


def cut_listed(policy: SeriesPolicy, side: Side, copy: RemoteRecord | None, pair: Pair) -> bool:
    """True when the rule copy of ``pair`` that a feed listed (``copy``, None: not listed) holds the stored rule cut
    where a switch cuts it: a cut of ours whose reply was lost."""
    return copy is not None and copy.version != pair.version_on(side) \
        and uncut(policy, side, copy, pair.base) is not copy  # type: ignore[arg-type]


def _first_gone(stored: Record, copy: Record, latest: Key) -> Key:
    """The first original start before ``latest`` that ``stored`` has and ``copy`` has not (``latest`` when there
    is none): where ``copy`` would have been cut, were it a cut of ``stored``."""
    kept = set(Series(copy).starts(None, latest))  # type: ignore[arg-type]
    return next((key for key in Series(stored).starts(None, latest) if key not in kept), latest)  # type: ignore[arg-type]
