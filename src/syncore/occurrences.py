"""Occurrence ids: how the engine names one occurrence of a series held by a side that holds rules.

When the other side holds occurrences only, each occurrence is paired on its own, and its partner on the rule side
is the series' occurrence with that original start: ``occurrence_id(series_id, original_start)``. Occurrences are
paired by series and original start, never by a backend's occurrence id (Salesforce gives a series' occurrences
new ids on a critical edit; Exchange and Outlook address them by position or local start).

A side that holds rules (:attr:`~syncore.remote.RecurrenceSupport.RULES`) takes ``update`` requests for such an
id (the occurrence's fields become an override of the series) and ``delete`` requests (the occurrence is
cancelled). It never has to read one: the engine reads the series and expands it. The version of an occurrence is
:func:`occurrence_version` of the occurrence as the side stores it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

import attrs

from .errors import (
    AdapterError,
    InvalidRecordError,
    NotFound,
    RecordRejected,
    UnsupportedRecord,
    VersionMismatch,
)
from .recurrence import OVERRIDABLE, Key, Override, Recurrence
from .remote import RecurrenceSupport, RemoteRecord, UpdateRequest, fetch_in_batches
from .series import Series
from .snapshots import fingerprint
from .timezones import UTC

if TYPE_CHECKING:
    from .abc import Adapter
    from .models import Event, Kind

SEPARATOR = "#"
#: the prefix of the id a series gets on the side that holds its occurrences (no record there has it)
SERIES_PREFIX = "series:"


def occurrence_id(series_id: str, original_start: Key) -> str:
    """The id of the occurrence of ``series_id`` whose original start is ``original_start``."""
    if isinstance(original_start, datetime):
        stamp = original_start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    else:
        stamp = original_start.isoformat()
    return f"{series_id}{SEPARATOR}{stamp}"


def split_occurrence_id(value: str) -> tuple[str, Key] | None:
    """``(series id, original start)`` of an occurrence id, or None when ``value`` is not one."""
    series_id, sep, stamp = value.rpartition(SEPARATOR)
    if not sep or not series_id:
        return None
    try:
        if "T" in stamp:
            if not stamp.endswith("Z"):
                return None
            return series_id, datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        return series_id, date.fromisoformat(stamp)
    except ValueError:
        return None


def series_of(native_id: str | None) -> str | None:
    """The series ``native_id`` names an occurrence of, or None when it names none (the separator is looked for
    first: the planner asks this of many ids, and few name an occurrence)."""
    if not native_id or SEPARATOR not in native_id:
        return None
    split = split_occurrence_id(native_id)
    return None if split is None else split[0]


def series_of_occurrence_ids(ids: Iterable[str]) -> set[str]:
    """The series ids of those of ``ids`` that are occurrence ids (see :func:`split_occurrence_id`).

    A state store answers :meth:`~syncore.abc.StateStore.series_with_occurrence_pairs` with it. Each series' id is
    taken from the part before the last separator; an id is parsed whole only until its series is found (a series
    with many occurrence pairs costs one parse, not one per occurrence)."""
    found: set[str] = set()
    for native_id in ids:
        series_id, sep, _ = native_id.rpartition(SEPARATOR)
        if sep and series_id and series_id not in found and split_occurrence_id(native_id) is not None:
            found.add(series_id)
    return found


def series_marker(series_id: str) -> str:
    """The id a series held by the other side gets on the side that holds its occurrences (in its pair)."""
    return f"{SERIES_PREFIX}{series_id}"


def marked_series(value: str) -> str | None:
    """The series id a :func:`series_marker` names, or None."""
    return value[len(SERIES_PREFIX):] if value.startswith(SERIES_PREFIX) else None


def occurrence_version(record: object) -> str:
    """The version of an occurrence: a digest of its content as the side stores it (it changes when the
    occurrence does, not when another occurrence of the series does)."""
    return "occ:" + fingerprint(record)  # type: ignore[arg-type]


def occurrence_record(series: RemoteRecord, occurrence: str, original_start: Key) -> RemoteRecord | None:
    """The occurrence ``original_start`` of the series read as ``series``, as a record of its own (None when
    the rule gives no such occurrence or it was cancelled). Its id is ``occurrence``, its version
    :func:`occurrence_version`."""
    event = series.record
    if getattr(event, "recurrence", None) is None:
        return None
    expanded = Series(event)  # type: ignore[arg-type]
    if expanded.is_cancelled(original_start) or expanded.not_occurrences([original_start]):
        return None
    record = expanded.occurrence(original_start)
    return RemoteRecord(id=occurrence, version=occurrence_version(record), record=record,
                        modified_at=series.modified_at)


def read_sources(adapter: Adapter, kind: Kind, ids: Iterable[str],
                 planned: Callable[[RemoteRecord], RemoteRecord] | None = None) -> dict[str, RemoteRecord]:
    """The records ``ids`` name on ``adapter``'s side, read in batches: an occurrence id of a series that side
    holds as a rule is read through its series (the side never reads an occurrence on its own), as ``planned``
    makes that series (what the plan writes to it before its occurrences are copied)."""
    by_series = {native_id: split[0] for native_id in ids
                 if adapter.capabilities.recurrence is RecurrenceSupport.RULES
                 and (split := split_occurrence_id(native_id)) is not None}
    plain = [native_id for native_id in ids if native_id not in by_series]
    found = fetch_in_batches(adapter, kind, [*plain, *sorted(set(by_series.values()) - set(plain))])
    for native_id, series_id in by_series.items():
        series = found.get(series_id)
        if series is not None and planned is not None:
            series = planned(series)
        record = occurrence_record(series, native_id, split_occurrence_id(native_id)[1]) \
            if series is not None else None  # type: ignore[index]
        if record is not None:
            found[native_id] = record
    return {native_id: found[native_id] for native_id in ids if native_id in found}


def with_occurrence(series: Event, original_start: Key, occurrence: Event, fields: Iterable[str]) -> Event:
    """``series`` with the named ``fields`` of its occurrence ``original_start`` set as in ``occurrence``: what a
    side that holds rules stores for an update request naming one occurrence.

    :raises UnsupportedRecord: for a field one occurrence cannot hold on its own (see
        :data:`~syncore.recurrence.OVERRIDABLE`)
    :raises NotFound: when the series has no such occurrence (any more)
    :raises InvalidRecordError: when the values do not fit the series (a timed start in an all-day series)
    """
    unheld = sorted(set(fields) - set(OVERRIDABLE))
    if unheld:
        raise UnsupportedRecord(f"one occurrence cannot have its own {', '.join(unheld)}; only "
                                f"{', '.join(OVERRIDABLE)} can differ from the series")
    recurrence = series.recurrence
    expanded = Series(series)
    if recurrence is None or expanded.is_cancelled(original_start) or expanded.not_occurrences([original_start]):
        raise NotFound(f"the series has no occurrence starting {original_start.isoformat()}")
    now = expanded.occurrence(original_start)
    values = {name: getattr(now, name) for name in OVERRIDABLE}
    values.update({name: getattr(occurrence, name) for name in fields})
    others = [item for item in recurrence.overrides if item.original_start != original_start]
    changed = Recurrence(rule=recurrence.rule, zone=recurrence.zone, exdates=recurrence.exdates,
                         overrides=[*others, Override(original_start=original_start, **values)])
    return series.replace(recurrence=changed)  # type: ignore[return-value]


def occurrence_update(series: RemoteRecord | None, request: UpdateRequest, original_start: Key, *, side: str,
                      refuse: Callable[[Event], str | None]) -> Event | AdapterError:
    """The series an update naming one occurrence asks a side that holds rules to store, or the error that
    request gets: the series has no such occurrence (any more), the occurrence changed since the plan read it,
    the values do not fit one occurrence, or ``refuse`` (the side's own rule, e.g. an occurrence moved past its
    neighbour) names why the side cannot hold the result. ``side`` starts every message."""
    what = f"{side}: update the occurrence {request.id}"
    current = occurrence_record(series, request.id, original_start) if series is not None else None
    if series is None or current is None:
        return NotFound(f"{what}: the series has no such occurrence (any more)")
    if request.base_version is not None and request.base_version != current.version:
        return VersionMismatch(f"{what}: the occurrence changed since it was read")
    try:
        wanted = with_occurrence(series.record, original_start, request.record,  # type: ignore[arg-type]
                                 request.fields)
    except (AdapterError, InvalidRecordError) as exc:
        return exc if isinstance(exc, AdapterError) else RecordRejected(f"{what}: {exc}")
    reason = refuse(wanted)
    return UnsupportedRecord(f"{what}: {reason}") if reason is not None else wanted


def without_occurrence(series: Event, original_start: Key) -> Event:
    """``series`` with its occurrence ``original_start`` cancelled (unchanged when there is no such one)."""
    recurrence = series.recurrence
    if recurrence is None or original_start in recurrence.exdates or Series(series).not_occurrences([original_start]):
        return series
    changed = Recurrence(rule=recurrence.rule, zone=recurrence.zone, exdates=[*recurrence.exdates, original_start],
                         overrides=recurrence.overrides)
    return series.replace(recurrence=changed)  # type: ignore[return-value]


def ended_before(series: Event, before: Key) -> Event | None:
    """``series`` cut before ``before``: its occurrences whose original start is earlier, unchanged (cancelled and
    modified ones included), and none from ``before`` on; ``series`` itself when it has none from there on, None when
    it has none before (nothing would be left).

    The rule ends with a ``COUNT`` of the occurrences kept, whatever end it had: that gives exactly the kept original
    starts, with no ``UNTIL`` instant or day to place across a DST change (a side writes it in its own spelling and
    the engine compares rules by their occurrences, :func:`syncore.series.same_rule`)."""
    recurrence = series.recurrence
    assert recurrence is not None, "not a series"
    occurrences = Series(series)
    kept = sum(1 for _ in occurrences.starts(None, before))
    if kept == 0:
        return None
    if next(occurrences.starts(before), None) is None:
        return series
    rule = attrs.evolve(recurrence.parts, count=kept, until=None).text()
    changed = Recurrence(rule=rule, zone=recurrence.zone,
                         exdates=[key for key in recurrence.exdates if key < before],  # type: ignore[operator]
                         overrides=[item for item in recurrence.overrides
                                    if item.original_start < before])  # type: ignore[operator]
    return series.replace(recurrence=changed)  # type: ignore[return-value]
