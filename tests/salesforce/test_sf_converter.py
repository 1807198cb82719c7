"""make_converter(): Salesforce's wire datetimes, dates and ids."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncore_salesforce import make_converter
from syncore_salesforce.converter import SalesforceId, to18
from syncore_salesforce.emulator import to18 as emulator_to18


def test_datetimes_use_salesforce_wire_form_in_utc():
    conv = make_converter()
    berlin = datetime(2026, 11, 24, 16, 0, 0, 123456, tzinfo=ZoneInfo("Europe/Berlin"))
    assert conv.unstructure(berlin) == "2026-11-24T15:00:00.123+0000"
    for text in ("2026-11-24T15:00:00.000+0000", "2026-11-24T15:00:00Z", "2026-11-24T16:00:00+01:00",
                 "2026-11-24T10:00:00.000-0500"):
        assert conv.structure(text, datetime) == datetime(2026, 11, 24, 15, tzinfo=UTC)
    with pytest.raises(ValueError):
        conv.unstructure(datetime(2026, 1, 1))  # naive
    with pytest.raises(ValueError):
        conv.structure("24/11/2026", datetime)


def test_dates_are_never_shifted():
    conv = make_converter()
    assert conv.unstructure(date(2027, 3, 28)) == "2027-03-28"
    assert conv.structure("2027-03-28", date) == date(2027, 3, 28)


def test_ids_are_normalised_to_18_characters():
    conv = make_converter()
    # worked by hand: chunks 001A0 / 00000 / 6Vm9r have upper-case bits 8, 0, 2 -> I, A, C
    assert conv.structure("001A0000006Vm9r", SalesforceId) == "001A0000006Vm9rIAC"
    assert to18("001a0000006vm9RIAC") == "001A0000006Vm9rIAC"  # an 18-character id is case-insensitive
    assert to18("001A0000006Vm9r") != to18("001a0000006Vm9r")  # 15-character ids are case-sensitive
    for sample in ("00UDn00030f0H0G", "003xx000004TmiQ", "005Dn000001abCd"):
        assert to18(sample) == emulator_to18(sample)
    with pytest.raises(ValueError):
        to18("not-an-id")


def test_round_trip_keeps_milliseconds_only():
    conv = make_converter()
    value = datetime(2026, 11, 24, 15, 0, 0, 999999, tzinfo=UTC)
    assert conv.structure(conv.unstructure(value), datetime) == value - timedelta(microseconds=999)
