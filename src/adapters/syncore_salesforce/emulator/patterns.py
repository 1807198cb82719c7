"""Series patterns as Salesforce stores them, and the occurrences they give (reference §1.4).

Two forms live side by side on the Event object (and the classic one on Task):

* **Lightning** (``IsRecurrence2``): an RFC 5545 RRULE in ``Recurrence2PatternText``, run on wall time in
  ``Recurrence2PatternTimeZone`` from ``Recurrence2PatternStartDate``. Salesforce rewrites the text to its normal
  form (:func:`normalize_rrule`) and accepts only some parts (:data:`RRULE_ORDER`), ``INTERVAL`` 1-999 daily,
  1-99 weekly or monthly, 1 yearly, ``COUNT`` 1-999 and never with ``UNTIL``, ``UNTIL`` as ``yyyyMMddTHHmmssZ``,
  and a ``WEEKLY`` rule only with ``BYDAY``.
* **Classic** (``IsRecurrence``): ``RecurrenceType`` (``RecursDaily`` ... ``RecursYearlyNth``) with
  ``RecurrenceInterval``, ``RecurrenceDayOfWeekMask`` (Sunday 1 ... Saturday 64), ``RecurrenceDayOfMonth``,
  ``RecurrenceInstance``, ``RecurrenceMonthOfYear``, from ``RecurrenceStartDateTime`` (Event) or
  ``RecurrenceStartDateOnly`` (Task) to ``RecurrenceEndDateOnly``, in ``RecurrenceTimeZoneSidKey``. A classic
  series holds at most 100 daily, 53 weekly, 59 monthly or 9 yearly occurrences (Salesforce Help, Knowledge
  Article 000212481, "Recurring Events in Salesforce have occurrence limits depending on the event frequency").

Sources: the Event object reference
(https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_event.htm),
the recurring-activities pages of the Change Data Capture guide (the stored pattern
``RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=13``,
https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_standard_objects_task_event_recurring.htm),
and the project reference §1.4. The error codes and messages of refused patterns are (unverified): Salesforce
documents the limits, not the answers; ``FIELD_INTEGRITY_EXCEPTION`` is what it answers for the other Event
integrity rules.

Occurrences are computed here independently of syncore's own expansion (the emulator is a specification, not a
copy of the code under test): a wall time a DST change skips is read with the offset from before the gap
(RFC 5545 §3.3.5), a repeated one is its first instant (unverified for Salesforce; it is what its calendar shows
for Outlook-made series).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule as du

from .errors import RecordError

#: the order Salesforce writes the parts of ``Recurrence2PatternText`` in (reference §1.4)
RRULE_ORDER = ("FREQ", "BYMONTH", "BYMONTHDAY", "BYDAY", "WKST", "BYSETPOS", "INTERVAL", "UNTIL", "COUNT")
#: the largest INTERVAL Recurrence2 takes per frequency (reference §1.4)
MAX_INTERVAL = {"DAILY": 999, "WEEKLY": 99, "MONTHLY": 99, "YEARLY": 1}
MAX_COUNT = 999
#: classic series: the most occurrences per frequency (Knowledge Article 000212481)
CLASSIC_LIMITS = {"Daily": 100, "Weekly": 53, "Monthly": 59, "Yearly": 9}
CLASSIC_FREQUENCY = {
    "RecursDaily": "Daily", "RecursEveryWeekday": "Daily", "RecursWeekly": "Weekly", "RecursMonthly": "Monthly",
    "RecursMonthlyNth": "Monthly", "RecursYearly": "Yearly", "RecursYearlyNth": "Yearly",
}
#: RecurrenceDayOfWeekMask bits, Sunday = 1 ... Saturday = 64 (Object Reference)
MASK_DAYS = ((1, du.SU), (2, du.MO), (4, du.TU), (8, du.WE), (16, du.TH), (32, du.FR), (64, du.SA))
INSTANCES = {"First": 1, "Second": 2, "Third": 3, "Fourth": 4, "Last": -1}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
_DAYS = {"MO": du.MO, "TU": du.TU, "WE": du.WE, "TH": du.TH, "FR": du.FR, "SA": du.SA, "SU": du.SU}
_FREQ = {"DAILY": du.DAILY, "WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY, "YEARLY": du.YEARLY}
#: how far an expansion may run before the emulator calls a pattern endless
_SAFETY = 5000


def _integrity(message: str, field: str) -> RecordError:
    # (unverified) code and message: the documented limits come without their answers
    return RecordError("FIELD_INTEGRITY_EXCEPTION", message, [field])


def _invalid(text: str, why: str) -> RecordError:
    return _integrity(f"Invalid recurrence pattern: {why}: {text}", "Recurrence2PatternText")


def zone_of(name: str | None, field: str) -> ZoneInfo:
    """The zone a ``*TimeZone*`` field names."""
    try:
        return ZoneInfo(name or "GMT")
    except (ZoneInfoNotFoundError, ValueError):
        raise _integrity(f"{field}: unknown time zone {name!r}", field) from None


def normalize_rrule(text: str) -> str:
    """Rewrite an RRULE the way Salesforce stores ``Recurrence2PatternText`` (reference §1.4).

    Parts are reordered to ``FREQ, BYMONTH, BYMONTHDAY, BYDAY, WKST, BYSETPOS, INTERVAL, UNTIL, COUNT``,
    ``INTERVAL=1`` is inserted when missing and ``RRULE:`` is prefixed. Whether Salesforce also inserts a
    default ``WKST`` is (unverified); the emulator does not.
    """
    parts = _parts(text)
    freq = parts.get("FREQ")
    if freq not in MAX_INTERVAL:
        raise _invalid(text, "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
    parts.setdefault("INTERVAL", "1")
    if not parts["INTERVAL"].isdigit() or not 1 <= int(parts["INTERVAL"]) <= MAX_INTERVAL[freq]:
        raise _invalid(text, f"INTERVAL must be 1-{MAX_INTERVAL[freq]} for {freq}")
    if freq == "WEEKLY" and "BYDAY" not in parts:
        raise _invalid(text, "WEEKLY needs BYDAY")
    if "COUNT" in parts and "UNTIL" in parts:
        raise _invalid(text, "COUNT and UNTIL")
    if "COUNT" in parts and not (parts["COUNT"].isdigit() and 1 <= int(parts["COUNT"]) <= MAX_COUNT):
        raise _invalid(text, f"COUNT must be 1-{MAX_COUNT}")
    if "UNTIL" in parts:
        try:
            datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ")
        except ValueError:
            raise _invalid(text, "UNTIL must be yyyyMMddTHHmmssZ") from None
    if "COUNT" not in parts and "UNTIL" not in parts:
        # (unverified) Salesforce stores one Event per occurrence, so a series needs an end.
        raise _invalid(text, "a series needs COUNT or UNTIL")
    try:
        _lightning_rule(parts, datetime(2000, 1, 3))
    except (ValueError, KeyError):
        raise _invalid(text, "unreadable part") from None
    return "RRULE:" + ";".join(f"{k}={parts[k]}" for k in RRULE_ORDER if k in parts)


def _parts(text: str) -> dict[str, str]:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    parts: dict[str, str] = {}
    for chunk in filter(None, body.split(";")):
        key, sep, value = chunk.partition("=")
        key = key.strip().upper()
        if not sep or key not in RRULE_ORDER or key in parts:
            raise _invalid(text, f"unsupported or repeated part {key or chunk!r}")
        parts[key] = value.strip().upper()
    return parts


def _weekday(code: str) -> du.weekday:
    sign = -1 if code.startswith("-") else 1
    body = code.lstrip("+-")
    digits = body[:-2]
    day = _DAYS[body[-2:]]
    return day(sign * int(digits)) if digits else day


def _lightning_rule(parts: dict[str, str], wall_start: datetime) -> du.rrule:
    def numbers(name: str) -> list[int] | None:
        return [int(v) for v in parts[name].split(",")] if name in parts else None

    return du.rrule(
        _FREQ[parts["FREQ"]], dtstart=wall_start, interval=int(parts.get("INTERVAL", "1")),
        wkst=_DAYS[parts.get("WKST", "MO")], count=int(parts["COUNT"]) if "COUNT" in parts else None,
        bymonth=numbers("BYMONTH"), bymonthday=numbers("BYMONTHDAY"), bysetpos=numbers("BYSETPOS"),
        byweekday=[_weekday(code) for code in parts["BYDAY"].split(",")] if "BYDAY" in parts else None,
    )


@dataclass(frozen=True)
class Pattern:
    """A pattern ready to expand: a dateutil rule on wall times, the zone and where it ends."""

    rule: du.rrule
    zone: ZoneInfo
    all_day: bool
    #: the last instant (Lightning UNTIL) or local day (classic RecurrenceEndDateOnly) an occurrence may start
    until: datetime | date | None

    def starts(self) -> list[datetime | date]:
        """Every occurrence's start: an aware UTC instant, or a date for an all-day series."""
        found: list[datetime | date] = []
        for wall in self.rule:
            if len(found) >= _SAFETY:
                raise _integrity("The recurrence pattern gives too many occurrences", "RecurrenceEndDateOnly")
            key: datetime | date = wall.date() if self.all_day else wall.replace(tzinfo=self.zone).astimezone(UTC)
            if self._past(wall, key):
                break
            found.append(key)
        return found

    def _past(self, wall: datetime, key: datetime | date) -> bool:
        if isinstance(self.until, datetime):
            if isinstance(key, datetime):
                return key > self.until
            return wall.date() > self.until.astimezone(self.zone).date()
        return self.until is not None and wall.date() > self.until


def lightning(text: str, start: datetime | date, zone_name: str | None, all_day: bool) -> Pattern:
    """The pattern of a Lightning series whose first occurrence starts at ``start`` (an instant or a date)."""
    parts = _parts(text)
    zone = zone_of(zone_name, "Recurrence2PatternTimeZone")
    wall = _wall(start, zone)
    until = datetime.strptime(parts.pop("UNTIL"), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) if "UNTIL" in parts else None
    return Pattern(rule=_lightning_rule(parts, wall), zone=zone, all_day=all_day, until=until)


def _wall(start: datetime | date, zone: ZoneInfo) -> datetime:
    if isinstance(start, datetime):
        return start.astimezone(zone).replace(tzinfo=None)
    return datetime.combine(start, time())


def classic(rec: dict[str, Any], start: datetime | date, all_day: bool) -> Pattern:
    """The pattern of a classic series (Event or Task main record ``rec``) from ``start``.

    :raises RecordError: a missing or contradictory pattern field
    """
    kind = rec.get("RecurrenceType")
    if kind not in CLASSIC_FREQUENCY:
        raise RecordError("REQUIRED_FIELD_MISSING", "Required fields are missing: [RecurrenceType]",
                          ["RecurrenceType"])
    end = rec.get("RecurrenceEndDateOnly")
    if end is None:
        # (unverified) a classic series always has an end date: its occurrences are records
        raise RecordError("REQUIRED_FIELD_MISSING", "Required fields are missing: [RecurrenceEndDateOnly]",
                          ["RecurrenceEndDateOnly"])
    zone = zone_of(rec.get("RecurrenceTimeZoneSidKey"), "RecurrenceTimeZoneSidKey")
    interval = rec.get("RecurrenceInterval") or 1
    if kind == "RecursEveryWeekday":
        interval = 1
    if not isinstance(interval, int) or interval < 1:
        raise _integrity("Recurrence interval must be 1 or more", "RecurrenceInterval")
    mask = rec.get("RecurrenceDayOfWeekMask") or 0
    days = [day for bit, day in MASK_DAYS if mask & bit]
    options: dict[str, Any] = {}
    if kind == "RecursDaily":
        freq = du.DAILY
    elif kind == "RecursEveryWeekday":
        freq, options["byweekday"] = du.WEEKLY, [du.MO, du.TU, du.WE, du.TH, du.FR]
    elif kind == "RecursWeekly":
        freq, options["byweekday"] = du.WEEKLY, _need(days, "RecurrenceDayOfWeekMask")
    elif kind in ("RecursMonthly", "RecursYearly"):
        freq = du.MONTHLY if kind == "RecursMonthly" else du.YEARLY
        options["bymonthday"] = _need(rec.get("RecurrenceDayOfMonth"), "RecurrenceDayOfMonth")
    else:
        freq = du.MONTHLY if kind == "RecursMonthlyNth" else du.YEARLY
        instance = INSTANCES.get(rec.get("RecurrenceInstance") or "")
        options["byweekday"] = [day(_need(instance, "RecurrenceInstance")) for day in
                                _need(days, "RecurrenceDayOfWeekMask")]
    if kind in ("RecursYearly", "RecursYearlyNth"):
        month = rec.get("RecurrenceMonthOfYear")
        options["bymonth"] = MONTHS.index(_need(month if month in MONTHS else None, "RecurrenceMonthOfYear")) + 1
    wall = _wall(start, zone)
    # A Salesforce week starts on Sunday (the day mask's first bit; the stored pattern text says WKST=SU): it
    # decides which days an "every 2 weeks on Sunday and Wednesday" series takes (unverified for classic
    # series)
    rule = du.rrule(freq, dtstart=wall, interval=interval, wkst=du.SU, **options)
    return Pattern(rule=rule, zone=zone, all_day=all_day, until=end)


def _need(value: Any, field: str) -> Any:
    if not value:
        # (unverified) which field Salesforce names for a pattern part its RecurrenceType needs
        raise RecordError("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{field}]", [field])
    return value


def check_classic_limit(rec: dict[str, Any], count: int) -> None:
    """Refuse a classic series past its frequency's occurrence limit (Knowledge Article 000212481)."""
    frequency = CLASSIC_FREQUENCY[rec["RecurrenceType"]]
    limit = CLASSIC_LIMITS[frequency]
    if count > limit:
        # (unverified) code and message; the limits themselves are documented
        raise _integrity(f"{frequency} recurring events can't have more than {limit} occurrences "
                         f"(this pattern gives {count})", "RecurrenceEndDateOnly")
    if count == 0:
        raise _integrity("The recurrence pattern gives no occurrence", "RecurrenceEndDateOnly")


def until_before(start: datetime | date) -> str:
    """The ``UNTIL`` that ends a Lightning pattern just before the occurrence starting at ``start``."""
    instant = start - timedelta(seconds=1) if isinstance(start, datetime) else \
        datetime.combine(start, time(), tzinfo=UTC) - timedelta(seconds=1)
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def replace_end(text: str, until: str) -> str:
    """``text`` (normal form) ending at ``until`` instead of its COUNT or UNTIL."""
    parts = _parts(text)
    parts.pop("COUNT", None)
    parts["UNTIL"] = until
    return "RRULE:" + ";".join(f"{k}={parts[k]}" for k in RRULE_ORDER if k in parts)

