"""Values shared by the mappings: bodies, ``dateTimeTimeZone`` and zone names."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from syncore.bodies import html_to_text
from syncore.models import Body
from syncore.timezones import iana_to_windows, windows_to_iana, zone


def body_from_graph(value: Any) -> Body:
    """An itemBody as a syncore Body: HTML keeps its source (formatting is detected by :mod:`syncore.bodies`,
    as for Exchange), text is text."""
    if not isinstance(value, dict):
        return Body()
    content = value.get("content") or ""
    if (value.get("contentType") or "text").lower() == "html":
        return Body(text=html_to_text(content), html=content) if content else Body()
    return Body(text=content)


def body_to_graph(body: Body) -> dict[str, str]:
    """HTML when the body has its HTML source, plain text otherwise."""
    if body.html is not None:
        return {"contentType": "html", "content": body.html}
    return {"contentType": "text", "content": body.text}


def zone_info(name: str | None) -> ZoneInfo:
    """A Windows ("W. Europe Standard Time") or IANA zone name; UTC when absent."""
    # "tzone://Microsoft/Utc" is how Outlook names UTC in some answers
    if not name or name.upper() in ("UTC", "ETC/UTC", "TZONE://MICROSOFT/UTC"):
        return ZoneInfo("UTC")
    try:
        return zone(windows_to_iana(name))
    except ValueError:
        return zone(name)


def graph_zone_name(iana: str) -> str:
    """The name written to Graph for an IANA zone: its Windows id (what Outlook stores), else the IANA name."""
    if iana.upper() == "UTC":
        return "UTC"
    try:
        return iana_to_windows(iana)
    except ValueError:
        return iana


def own_zone(item: dict[str, Any] | None, which: str, fallback: str) -> tuple[str, str]:
    """(IANA name, name to write) of an event's own start or end zone (``originalStartTimeZone`` /
    ``originalEndTimeZone``, usually a Windows name); ``fallback`` (IANA) when the item has none Graph knows."""
    name = (item or {}).get(f"original{which}TimeZone")
    if name:
        try:
            return str(zone_info(name)), name
        except ValueError:
            pass  # "tzone://Microsoft/Custom" and other zones without an IANA equivalent
    return fallback, graph_zone_name(fallback)


def parse_wall(text: str) -> datetime:
    """``2026-11-24T15:00:00.0000000`` (seven fractional digits allowed) as a naive datetime."""
    head, _, frac = text.partition(".")
    value = datetime.fromisoformat(head[:19])
    return value.replace(microsecond=int((frac.rstrip("Z") + "000000")[:6])) if frac else value


def instant(value: Any) -> datetime | None:
    """A dateTimeTimeZone as a UTC instant."""
    if not isinstance(value, dict) or not value.get("dateTime"):
        return None
    return parse_wall(value["dateTime"]).replace(tzinfo=zone_info(value.get("timeZone"))).astimezone(UTC)


def local_date(value: Any, mailbox_zone: str) -> date | None:
    """The calendar date a dateTimeTimeZone names for the user: a midnight is its own date (Graph renders
    all-day boundaries and To Do dates as midnights); another time is converted to the mailbox's zone."""
    if not isinstance(value, dict) or not value.get("dateTime"):
        return None
    wall = parse_wall(value["dateTime"])
    if wall.time() == datetime.min.time():
        return wall.date()
    moment = wall.replace(tzinfo=zone_info(value.get("timeZone")))
    return moment.astimezone(zone(mailbox_zone)).date()


def wall_in(moment: datetime, iana: str, name: str | None = None) -> dict[str, str]:
    """A UTC instant written as the wall-clock time in ``iana``, labelled ``name`` (default: its Graph name).

    A wall time the zone repeats names its first instant when read (the earlier offset), so the second one of a
    repeated hour (the end of a meeting running past a DST fall-back) is written in UTC instead: the instant is
    kept, never moved by an hour.
    """
    tz = zone(iana)
    local = moment.astimezone(tz).replace(tzinfo=None)
    if local.replace(fold=0, tzinfo=tz).astimezone(UTC) != moment.astimezone(UTC):
        instant = moment.astimezone(UTC).replace(tzinfo=None)
        return {"dateTime": instant.isoformat(timespec="seconds"), "timeZone": "UTC"}
    return {"dateTime": local.isoformat(timespec="seconds"), "timeZone": name or graph_zone_name(iana)}


def midnight_of(day: date, iana: str, name: str | None = None) -> dict[str, str]:
    return {"dateTime": f"{day.isoformat()}T00:00:00", "timeZone": name or graph_zone_name(iana)}


def text(value: Any) -> str:
    return "" if value is None else str(value)
