"""make_converter(): the adapter's wire conventions on top of syncore's."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from exchangelib import UTC, Body, EWSDate, EWSDateTime, EWSTimeZone, HTMLBody

from syncore.models import Event
from syncore_exchange import make_converter
from syncore_exchange.converter import decode_cursor, encode_cursor


def test_ews_values_unstructure_to_utc_text_dates_and_typed_bodies():
    conv = make_converter()
    berlin = EWSDateTime(2031, 3, 30, 9, 0, tzinfo=EWSTimeZone("Europe/Berlin"))
    assert conv.unstructure(berlin) == "2031-03-30T07:00:00Z"
    assert conv.unstructure(EWSDateTime(2031, 1, 1, tzinfo=UTC)) == "2031-01-01T00:00:00Z"
    assert conv.unstructure(EWSDate(2031, 3, 12)) == "2031-03-12"
    assert conv.unstructure(HTMLBody("<b>x</b>")) == {"type": "HTML", "value": "<b>x</b>"}
    assert conv.structure({"type": "HTML", "value": "<b>x</b>"}, Body) == HTMLBody("<b>x</b>")
    assert type(conv.structure({"type": "Text", "value": "x"}, Body)) is Body


def test_records_keep_syncores_conventions():
    conv = make_converter()
    event = Event(subject="x", start=datetime(2031, 3, 30, 9, tzinfo=ZoneInfo("Europe/Berlin")),
                  end=datetime(2031, 3, 30, 10, tzinfo=ZoneInfo("Europe/Berlin")))
    data = conv.unstructure(event)
    assert data["start"] == "2031-03-30T07:00:00.000000Z"
    assert conv.structure(data, Event) == event
    allday = Event(subject="y", start=date(2031, 3, 12), end=date(2031, 3, 13))
    assert conv.structure(conv.unstructure(allday), Event) == allday


def test_cursor_round_trip():
    cursor = encode_cursor("user@example.com|F1", "STATE==")
    assert decode_cursor(cursor, "user@example.com|F1") == "STATE=="
