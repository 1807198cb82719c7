"""A series' rows -> one syncore Event with its recurrence (reference §1.4).

Salesforce stores a series as a pattern row plus one Event per occurrence:

* **Lightning**: the series record (``GroupEventType = '3'``) holds ``Recurrence2PatternText``,
  ``Recurrence2PatternStartDate`` and ``Recurrence2PatternTimeZone``; its occurrences carry the same pattern
  fields. No field names the series an occurrence belongs to ("Lightning Experience event series have no series
  ID"), so rows are grouped by owner and pattern (:func:`lightning_key`).
* **Classic**: the main record (``IsRecurrence``) holds the pattern fields; its children name it in
  ``RecurrenceActivityId``.

The series' native id is its pattern row's id: it survives the critical edits that give every occurrence a new id.
Salesforce records no original start for an occurrence, so each row is matched to the occurrence the rule gives
(:func:`match`): the same start, else the same local day, else the nearest start not taken (a Lightning row that is
no exception and lies past the series' end is a row of a cut Salesforce is still removing, and is not matched).
Occurrences the rule gives without a row are cancelled (EXDATE); rows whose time, subject, location, description
or free/busy differ from the series are modified occurrences (overrides). An occurrence ``IsRecurrence2Exclusion``
excludes from its series is not one of its occurrences (unverified meaning: Salesforce documents the flag, not what
sets it).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import attrs

from syncore.errors import InvalidRecordError
from syncore.models import Event
from syncore.recurrence import OVERRIDABLE, Key, Override, Recurrence
from syncore.remote import RemoteRecord, Unsupported
from syncore.series import Series

from .. import _recurrence
from . import CONVERTER, content_version, events

LIGHTNING, CLASSIC = "lightning", "classic"
#: what reading a series' rows selects besides the feed's fields (``CreatedDate``: which of two Lightning series of
#: the same pattern an occurrence row belongs to, see ``_series_read._lightning_owner``)
SELECT = ("Recurrence2PatternText", "CreatedDate")
#: a series whose rule gives more occurrences than this is not read (Salesforce's own limits are far lower)
MAX_OCCURRENCES = 5000
#: a version of a series starts with this letter (a single record's with "c"): a delete request says which it is
SERIES_VERSION = "r"


def form(row: dict[str, Any]) -> str | None:
    """Which series a row belongs to: ``lightning``, ``classic`` or None (a single event)."""
    if str(row.get("GroupEventType") or "") == "3" or row.get("IsRecurrence2"):
        return LIGHTNING
    if row.get("IsRecurrence") or row.get("RecurrenceActivityId"):
        return CLASSIC
    return None


def is_pattern_row(row: dict[str, Any]) -> bool:
    """A Lightning series record or a classic main record (the row a series' id names)."""
    return str(row.get("GroupEventType") or "") == "3" or bool(row.get("IsRecurrence"))


def lightning_anchor(row: dict[str, Any]) -> tuple[str, str, str]:
    """Owner, pattern start and zone of a Lightning row (what the change feed reads of it)."""
    start = row.get("Recurrence2PatternStartDate")
    instant = CONVERTER.structure(start, datetime).isoformat() if start else ""
    return str(row.get("OwnerId") or ""), instant, str(row.get("Recurrence2PatternTimeZone") or "")


def lightning_key(row: dict[str, Any]) -> tuple[str, str, str, str]:
    """What the rows of one Lightning series share: owner and pattern (start, zone and rule)."""
    return (*lightning_anchor(row), str(row.get("Recurrence2PatternText") or ""))


@attrs.frozen(kw_only=True)
class SeriesRows:
    """The live rows of one series: its pattern row and its occurrences."""

    pattern: dict[str, Any]
    occurrences: tuple[dict[str, Any], ...]

    @property
    def id(self) -> str:
        return str(self.pattern["Id"])

    @property
    def form(self) -> str:
        return LIGHTNING if str(self.pattern.get("GroupEventType") or "") == "3" else CLASSIC


@attrs.frozen(kw_only=True)
class ReadSeries:
    """A series as read: the record, and which row holds which occurrence (by original start)."""

    item: RemoteRecord
    rows: SeriesRows
    by_key: dict[Key, dict[str, Any]]

    @property
    def event(self) -> Event:
        return self.item.record  # type: ignore[return-value]


def _start_of(row: dict[str, Any], all_day: bool) -> Key:
    if all_day:
        return CONVERTER.structure(row.get("ActivityDate") or row["StartDateTime"][:10], date)
    return CONVERTER.structure(row["StartDateTime"], datetime)


def skeleton(rows: SeriesRows) -> Event:
    """The series as its pattern row says, before its occurrence rows are looked at.

    :raises _recurrence.Unfit: a pattern syncore cannot read
    :raises InvalidRecordError: a pattern that gives no occurrence, or values syncore refuses
    """
    row = rows.pattern
    single = events.event_of(row)
    all_day = bool(row.get("IsAllDayEvent"))
    if rows.form == LIGHTNING:
        rule = _recurrence.lightning_rule(str(row.get("Recurrence2PatternText") or ""))
        zone_name = str(row.get("Recurrence2PatternTimeZone") or "GMT")
        stored = row.get("Recurrence2PatternStartDate") or row["StartDateTime"]
    else:
        rule = _recurrence.classic_rule(row)
        zone_name = str(row.get("RecurrenceTimeZoneSidKey") or "GMT")
        stored = row.get("RecurrenceStartDateTime") or row["StartDateTime"]
    anchor: datetime | date = single.start if all_day else CONVERTER.structure(stored, datetime)  # type: ignore[assignment]
    try:
        recurrence = Recurrence(rule=rule, zone=zone_name)
    except InvalidRecordError as exc:
        raise _recurrence.Unfit(f"a pattern syncore cannot read ({exc})") from None
    first = _recurrence.first_start(recurrence.rule, anchor, zone_name)
    if first is None:
        raise _recurrence.Unfit(f"the pattern {rule} gives no occurrence")
    duration = single.end - single.start  # type: ignore[operator]
    return single.replace(start=first, end=first + duration, recurrence=recurrence)  # type: ignore[return-value]


def match(series: Series, rows: Iterable[dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    """Which row holds which occurrence (see the module docstring); rows no occurrence is left for are dropped."""
    expected = list(itertools.islice(series.starts(), MAX_OCCURRENCES + 1))
    if len(expected) > MAX_OCCURRENCES:
        raise _recurrence.Unfit(f"the pattern gives more than {MAX_OCCURRENCES} occurrences")
    free = set(expected)
    found: dict[Key, dict[str, Any]] = {}
    pending = []
    for row in rows:
        start = _start_of(row, series.all_day)
        if start in free:
            found[start] = row
            free.discard(start)
        else:
            pending.append((start, row))
    later = []
    for start, row in pending:
        day = start.astimezone(series.tz).date() if isinstance(start, datetime) else start
        key = series.occurrence_on(day)
        if key is not None and key in free:
            found[key] = row
            free.discard(key)
        else:
            later.append((start, row))
    for start, row in later:
        if not free:
            break
        key = min(free, key=lambda k: abs(_seconds(k) - _seconds(start)))  # type: ignore[arg-type]
        found[key] = row
        free.discard(key)
    return found


def _seconds(value: Key) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime(value.year, value.month, value.day).timestamp()


def read(rows: SeriesRows, link: str | None = None) -> ReadSeries | Unsupported:
    """The series these rows hold, or why syncore cannot sync it."""
    try:
        base = skeleton(rows)
        series = Series(base)
        live = [row for row in rows.occurrences if not row.get("IsRecurrence2Exclusion")]
        if rows.form == LIGHTNING:
            # a row Salesforce made for an occurrence (not an exception) that lies past the series' end belongs to a
            # cut still being carried out; matched, it would take the place of a cancelled occurrence
            last = _last_start(series)
            live = [row for row in live if row.get("IsRecurrence2Exception") or not _past(row, series.all_day, last)]
        by_key = match(series, live)
        exdates = [key for key in itertools.islice(series.starts(), MAX_OCCURRENCES) if key not in by_key]
        overrides = []
        for key, row in sorted(by_key.items(), key=lambda item: _seconds(item[0])):
            own = _differences(series.occurrence(key), events.event_of(row))
            if own:
                overrides.append(Override(original_start=key, **own))
        assert base.recurrence is not None
        event = base.replace(recurrence=Recurrence(rule=base.recurrence.rule, zone=base.recurrence.zone,
                                                   exdates=exdates, overrides=overrides))
    except (_recurrence.Unfit, InvalidRecordError, ValueError) as exc:
        return Unsupported(id=rows.id, reason=f"recurring series syncore cannot read: {exc}",
                           label=events.label(rows.pattern))
    if event.end - event.start > timedelta(days=events.MAX_EVENT_DAYS):  # type: ignore[operator]
        reason = f"event series longer than {events.MAX_EVENT_DAYS} days per occurrence"
        return Unsupported(id=rows.id, reason=reason, label=events.label(rows.pattern))
    stamps = [r.get("LastModifiedDate") or r.get("SystemModstamp") for r in (rows.pattern, *rows.occurrences)]
    modified = max((CONVERTER.structure(s, datetime) for s in stamps if s), default=None)
    item = RemoteRecord(id=rows.id, version=series_version(event), record=event, link=link, modified_at=modified)
    return ReadSeries(item=item, rows=rows, by_key=by_key)


def beyond_end(item: ReadSeries, row: dict[str, Any]) -> bool:
    """Whether ``row``, a Lightning occurrence with ``item``'s owner, pattern start and zone that the series did not
    take as one of its occurrences, starts after the series' last occurrence: a row of a cut
    (``DELETE …/fromThisEventOnwards``) that Salesforce has not removed yet. The REST guide answers that request
    "We're deleting the selected events from the series. Wait for all events to be removed." ("Delete Lightning
    Experience Event Series"); such a row is neither an occurrence nor a record of its own."""
    if item.rows.form != LIGHTNING or form(row) != LIGHTNING or is_pattern_row(row):
        return False
    return _past(row, item.event.all_day, _last_start(Series(item.event)))


def _last_start(series: Series) -> Key | None:
    """The last occurrence the rule gives (None: none, or more than are read)."""
    starts = list(itertools.islice(series.starts(), MAX_OCCURRENCES + 1))
    return starts[-1] if starts and len(starts) <= MAX_OCCURRENCES else None


def _past(row: dict[str, Any], all_day: bool, last: Key | None) -> bool:
    """Whether ``row`` starts after ``last``, its series' last occurrence (None: not known, so never)."""
    start = _start_of(row, all_day)
    return last is not None and type(start) is type(last) and start > last  # type: ignore[operator]


def series_version(event: Event) -> str:
    """A series' version: its content (its occurrences' ids change on critical edits; its content does not).

    The rule is hashed by the occurrences it gives, not by its text: a classic series reads back with ``UNTIL``
    where ``COUNT`` was written, and the same series must keep the same version (or its echo would look like an
    edit made in Salesforce, and beat a deletion made on the other side).
    """
    recurrence = event.recurrence
    assert recurrence is not None
    rule_only = event.replace(recurrence=Recurrence(rule=recurrence.rule, zone=recurrence.zone))
    starts = [key.isoformat() for key in itertools.islice(Series(rule_only).starts(), MAX_OCCURRENCES + 1)]
    content = content_version(events.represent(event.replace(recurrence=None)))
    digest = hashlib.sha256(json.dumps(
        [content, recurrence.zone, starts, [key.isoformat() for key in recurrence.exdates],
         [repr(item) for item in events.represent(event).recurrence.overrides]],  # type: ignore[union-attr]
        sort_keys=True).encode()).hexdigest()
    return SERIES_VERSION + digest[:24]


def _differences(expected: Event, actual: Event) -> dict[str, Any]:
    """The overridable fields where an occurrence row differs from what the series gives it."""
    expected = events.represent(expected)  # type: ignore[assignment]
    return {name: getattr(actual, name) for name in OVERRIDABLE if getattr(actual, name) != getattr(expected, name)}
