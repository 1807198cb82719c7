"""The pure mapping: zone names as Graph writes them, all-day boundaries, bodies (no HTTP)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from syncore.models import Body
from syncore_graph._mapping.events import event_from_graph
from syncore_graph._mapping.values import body_from_graph, instant, local_date, own_zone


@pytest.mark.parametrize("zone", ["UTC", "tzone://Microsoft/Utc", "Etc/UTC", "GMT Standard Time", "Europe/London"])
def test_utc_and_london_in_winter_read_the_same_instant(zone):
    assert instant({"dateTime": "2026-01-10T09:00:00.0000000", "timeZone": zone}) == datetime(2026, 1, 10, 9, tzinfo=UTC)


def test_windows_and_iana_names_read_alike():
    windows = instant({"dateTime": "2026-07-10T09:00:00", "timeZone": "Pacific Standard Time"})
    iana = instant({"dateTime": "2026-07-10T09:00:00", "timeZone": "America/Los_Angeles"})
    assert windows == iana == datetime(2026, 7, 10, 16, tzinfo=UTC)


def test_all_day_boundaries_are_dates_even_when_not_midnight_in_the_zone_asked():
    # an all-day event rendered as instants (a client that asked for another zone): the user's dates
    assert local_date({"dateTime": "2026-12-09T23:00:00", "timeZone": "UTC"}, "Europe/Berlin") == date(2026, 12, 10)
    assert local_date({"dateTime": "2026-12-10T00:00:00", "timeZone": "UTC"}, "Asia/Tokyo") == date(2026, 12, 10)
    event = event_from_graph({"subject": "Offsite", "isAllDay": True,
                              "start": {"dateTime": "2026-12-10T00:00:00.0000000", "timeZone": "UTC"},
                              "end": {"dateTime": "2026-12-12T00:00:00.0000000", "timeZone": "UTC"}}, "Asia/Tokyo")
    assert (event.start, event.end) == (date(2026, 12, 10), date(2026, 12, 12))


def test_an_events_own_zone_is_kept_and_custom_zones_fall_back_to_the_users():
    assert own_zone({"originalStartTimeZone": "Pacific Standard Time"}, "Start", "Europe/Berlin") == (
        "America/Los_Angeles", "Pacific Standard Time")
    assert own_zone({"originalStartTimeZone": "tzone://Microsoft/Custom"}, "Start", "Europe/Berlin") == (
        "Europe/Berlin", "W. Europe Standard Time")
    assert own_zone(None, "End", "UTC") == ("UTC", "UTC")


def test_bodies_keep_html_and_detect_formatting():
    formatted = body_from_graph({"contentType": "html", "content": "<p>Agenda: <b>pricing</b></p>"})
    assert formatted.is_formatted and formatted == Body(text="Agenda: pricing")
    assert body_from_graph({"contentType": "text", "content": "plain"}) == Body(text="plain")
    assert body_from_graph(None) == Body()
