"""Time zones the way Exchange applies them: which zone a time without an offset is read in, and the full
time zone definitions (periods and transitions) Exchange returns for an item's StartTimeZone/EndTimeZone.

Which zone applies (Exchange 2010 and later), from "Time zones and EWS in Exchange", table 2:
https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/time-zones-and-ews-in-exchange

- A dateTime with ``Z`` or an offset is that instant, whatever else the request says.
- Without an offset, an item's Start (and ReminderDueBy) is read in its StartTimeZone, its End in its
  EndTimeZone; without those, and for every other dateTime, in the ``TimeZoneContext`` header's zone; without
  that header, in UTC. Exchange2007_SP1-style ``MeetingTimeZone`` stands for both item zones.
- The zone the start time is read in is the item's creation zone (its StartTimeZone from then on).
- Responses always carry UTC (``Z``).

Zone ids are Windows ids ("W. Europe Standard Time"), mapped to IANA zones with exchangelib's CLDR table.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

from lxml import etree

from .xmlns import child, el, local, sub

UTC_ID = "UTC"
_DATETIME_TAGS_START = {"Start", "ReminderDueBy"}
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class UnknownTimeZone(ValueError):
    """A zone id Exchange does not know (ErrorTimeZone)."""


@cache
def zone(ms_id: str) -> dt.tzinfo:
    """The tzinfo for a Windows zone id; UnknownTimeZone for an id Exchange would not know."""
    from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP

    if ms_id in (UTC_ID, "tzone://Microsoft/Utc"):
        return dt.UTC
    iana = MS_TIMEZONE_TO_IANA_MAP.get(ms_id)
    if iana is None:
        raise UnknownTimeZone(ms_id)
    return ZoneInfo(iana)


def context_zone_id(definition: etree._Element | None) -> str | None:
    """The Windows id of a ``TimeZoneContext``'s ``TimeZoneDefinition`` (None without a header)."""
    if definition is None:
        return None
    ms_id = definition.get("Id")
    if not ms_id:
        raise UnknownTimeZone("a TimeZoneDefinition without an Id")
    zone(ms_id)
    return ms_id


def meeting_zone_id(elem: etree._Element) -> str:
    """The Windows id named by a legacy ``MeetingTimeZone`` (its ``TimeZoneName`` attribute)."""
    name = elem.get("TimeZoneName")
    if not name:
        raise UnknownTimeZone("a MeetingTimeZone without a TimeZoneName")
    zone(name)
    return name


def localize(item_elem: etree._Element, context_id: str | None, stored: dict[str, str] | None = None) -> None:
    """Give every dateTime without an offset in ``item_elem`` (a ``<t:CalendarItem>``… being written) the
    zone Exchange reads it in, in place. ``stored`` holds the item's current StartTimeZone/EndTimeZone ids
    (updates), used when neither the request's item nor its header names a zone.
    """
    localize_values(item_elem, *zones_for([item_elem], context_id, stored))


def zones_for(
    containers: list[etree._Element], context_id: str | None, stored: dict[str, str] | None = None
) -> tuple[str, str, str]:
    """(Start zone, End zone, zone of every other dateTime) for items being written in ``containers``."""
    stored = stored or {}
    start_id = end_id = None
    for container in containers:
        start_id = start_id or _zone_attr(container, "StartTimeZone")
        end_id = end_id or _zone_attr(container, "EndTimeZone")
        meeting = child(container, "t:MeetingTimeZone")
        if meeting is not None:
            start_id = start_id or meeting_zone_id(meeting)
            end_id = end_id or start_id
    start_id = start_id or context_id or stored.get("StartTimeZone") or UTC_ID
    end_id = end_id or context_id or stored.get("EndTimeZone") or UTC_ID
    return start_id, end_id, context_id or stored.get("StartTimeZone") or UTC_ID


def localize_values(root: etree._Element, start_id: str, end_id: str, other_id: str) -> None:
    """Rewrite the offset-less dateTimes under ``root`` as local times in their zones (in place)."""
    for elem in root.iter():
        if not isinstance(elem.tag, str) or not elem.text or len(elem):
            continue
        value = _naive(elem.text)
        if value is None:
            continue
        tag = local(elem.tag)
        ms_id = start_id if tag in _DATETIME_TAGS_START else end_id if tag == "End" else other_id
        elem.text = value.replace(tzinfo=zone(ms_id)).isoformat()


def _zone_attr(item_elem: etree._Element, tag: str) -> str | None:
    elem = child(item_elem, f"t:{tag}")
    if elem is None:
        return None
    ms_id = elem.get("Id")
    if ms_id:
        zone(ms_id)
    return ms_id


def _naive(text: str) -> dt.datetime | None:
    text = text.strip()
    if "T" not in text or len(text) < 19 or text[4] != "-":
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is None else None


# -- definitions ---------------------------------------------------------------------------------------
# GetItem answers StartTimeZone/EndTimeZone as TimeZoneDefinitionType: Id, Name, Periods, TransitionsGroups
# and Transitions, like GetServerTimeZones:
# https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/starttimezone
# https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getservertimezones-operation
# Only the zone's current rule is given (one transitions group), derived from the IANA data for this year.


def definition(tag: str, ms_id: str) -> etree._Element:
    """``<t:{tag} Id=… Name=…>`` with the zone's periods and transitions."""
    tz = zone(ms_id)
    standard, daylight, changes = _rule(tz, dt.datetime.now(dt.UTC).year)
    elem = el(f"t:{tag}", attrs={"Id": ms_id, "Name": display_name(ms_id)})
    periods = sub(elem, "t:Periods")
    sub(periods, "t:Period", attrs={"Bias": _bias(standard), "Name": "Standard", "Id": "Std"})
    if daylight is not None:
        sub(periods, "t:Period", attrs={"Bias": _bias(daylight), "Name": "Daylight", "Id": "Dlt"})
    group = sub(sub(elem, "t:TransitionsGroups"), "t:TransitionsGroup", attrs={"Id": "0"})
    if not changes:
        sub(sub(group, "t:Transition"), "t:To", "Std", {"Kind": "Period"})
    for to, local_time in changes:
        transition = sub(group, "t:RecurringDayTransition")
        sub(transition, "t:To", to, {"Kind": "Period"})
        sub(transition, "t:TimeOffset", duration_text(dt.timedelta(hours=local_time.hour, minutes=local_time.minute)))
        sub(transition, "t:Month", str(local_time.month))
        sub(transition, "t:DayOfWeek", _DAY_NAMES[local_time.weekday()])
        sub(transition, "t:Occurrence", str(_occurrence(local_time)))
    sub(sub(sub(elem, "t:Transitions"), "t:Transition"), "t:To", "0", {"Kind": "Group"})
    return elem


def display_name(ms_id: str) -> str:
    """"(UTC+01:00) W. Europe Standard Time": the standard offset and the id. (Exchange shows Windows' own
    display names, "(UTC+01:00) Amsterdam, Berlin, …", which no library here carries; a guess at the form.)"""
    if ms_id == UTC_ID:
        return "(UTC) Coordinated Universal Time"
    standard, _, _ = _rule(zone(ms_id), dt.datetime.now(dt.UTC).year)
    sign = "+" if standard >= dt.timedelta(0) else "-"
    minutes = abs(int(standard.total_seconds())) // 60
    return f"(UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}) {ms_id}"


@cache
def _rule(tz: dt.tzinfo, year: int) -> tuple[dt.timedelta, dt.timedelta | None, tuple]:
    """(standard offset, daylight offset or None, ((period id, local time before the change), …))."""
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    offsets = []
    changes = []
    previous = start.astimezone(tz).utcoffset()
    for hour in range(1, 366 * 24):
        moment = start + dt.timedelta(hours=hour)
        offset = moment.astimezone(tz).utcoffset()
        if offset != previous:
            # Windows names the change by the wall-clock time it happens at, read in the old offset.
            changes.append((offset, (moment + previous).replace(tzinfo=None)))
            previous = offset
        offsets.append(offset)
    distinct = sorted(set(offsets))
    if len(distinct) == 1:
        return distinct[0], None, ()
    standard, daylight = distinct[0], distinct[-1]
    return standard, daylight, tuple(("Dlt" if off == daylight else "Std", when) for off, when in changes)


def _occurrence(when: dt.datetime) -> int:
    """1-4 for the n-th weekday of the month, -1 for the last one."""
    if (when + dt.timedelta(days=7)).month != when.month:
        return -1
    return (when.day - 1) // 7 + 1


def _bias(offset: dt.timedelta) -> str:
    # Bias is what to add to local time to get UTC: the negated offset.
    return duration_text(-offset)


def duration_text(value: dt.timedelta) -> str:
    """xs:duration in hours and minutes: PT2H, -PT1H, PT5H30M, PT0M."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    minutes = abs(seconds) // 60
    text = (f"{minutes // 60}H" if minutes >= 60 else "") + (f"{minutes % 60}M" if minutes % 60 else "")
    return f"{sign}PT{text or '0M'}"
