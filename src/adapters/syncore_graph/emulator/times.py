"""``dateTimeTimeZone`` values: parsing what clients send, rendering in the zone the client prefers.

Graph takes Windows zone names ("W. Europe Standard Time") and IANA names ("Europe/Berlin") on write and
returns times in the zone named by ``Prefer: outlook.timezone`` (UTC without it)
(https://learn.microsoft.com/en-us/graph/api/resources/datetimetimezone,
https://learn.microsoft.com/en-us/graph/api/event-get#request-headers). An all-day event's start and end are
midnights: they are kept as dates and rendered as midnight in whichever zone is asked for.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncore.timezones import iana_to_windows, windows_to_iana

from .errors import GraphError, bad_request, unsupported_zone

_WALL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$")


def zone_of(name: str) -> ZoneInfo:
    """The zone for a Windows or IANA name; TimeZoneNotSupportedException for anything else."""
    if not isinstance(name, str) or not name:
        raise unsupported_zone(str(name))
    if name.upper() in ("UTC", "ETC/UTC", "COORDINATED UNIVERSAL TIME"):
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(windows_to_iana(name))
    except (KeyError, ValueError, ZoneInfoNotFoundError):
        pass
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise unsupported_zone(name) from None


def windows_name(name: str) -> str:
    """The Windows name Exchange stores for a zone given either way (``originalStartTimeZone``)."""
    if name.upper() == "UTC":
        return "UTC"
    try:
        return iana_to_windows(name)
    except (KeyError, ValueError):
        return name


def parse_wall(text: object, field: str) -> datetime:
    """A naive wall-clock time from ``2026-11-24T15:00:00.0000000`` (an offset or ``Z`` is refused)."""
    match = _WALL.match(text) if isinstance(text, str) else None
    if match is None:
        raise bad_request(f"Cannot convert the literal '{text}' to the expected type 'Edm.DateTime' ({field}).",
                          "RequestBodyRead")
    y, mo, d, h, mi, s, frac = match.groups()
    micro = int((frac or "0").ljust(7, "0")[:6])
    return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro)


def parse_dtz(value: object, field: str) -> tuple[datetime, str]:
    """``{"dateTime", "timeZone"}`` → (UTC instant, the zone name as given)."""
    if not isinstance(value, dict) or "dateTime" not in value:
        raise bad_request(f"The property '{field}' must be a dateTimeTimeZone object.", "RequestBodyRead")
    zone_name = value.get("timeZone") or "UTC"
    tz = zone_of(zone_name)
    wall = parse_wall(value["dateTime"], field)
    return wall.replace(tzinfo=tz).astimezone(UTC), zone_name


def render_instant(instant: datetime, zone_name: str) -> dict[str, str]:
    """A UTC instant as Graph renders it in ``zone_name`` (seven fractional digits, as Graph writes them)."""
    local = instant.astimezone(zone_of(zone_name)).replace(tzinfo=None)
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond:06d}0", "timeZone": zone_name}


def render_day(day: date, zone_name: str) -> dict[str, str]:
    """An all-day boundary: midnight of ``day``, labelled with the zone asked for."""
    return {"dateTime": f"{day.isoformat()}T00:00:00.0000000", "timeZone": zone_name}


def iso_utc(instant: datetime) -> str:
    """``createdDateTime`` style: ``2026-11-24T15:00:00.1234567Z``."""
    value = instant.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond:06d}0Z"


def parse_query_instant(text: str | None, name: str) -> datetime:
    """``startDateTime`` / ``endDateTime`` of a calendarView: ISO 8601, an offset or Z optional (UTC without)."""
    if not text:
        raise bad_request("This request requires a time window specified by the query string parameters "
                          "StartDateTime and EndDateTime.", "ErrorInvalidParameter")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise GraphError(400, "ErrorInvalidParameter", f"The value '{text}' of parameter '{name}' is invalid.") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def midnight(day: date, zone_name: str) -> datetime:
    """The UTC instant of local midnight starting ``day`` in ``zone_name``."""
    return datetime(day.year, day.month, day.day, tzinfo=zone_of(zone_name)).astimezone(UTC)


ONE_DAY = timedelta(days=1)
