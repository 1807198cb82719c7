"""GMT normalization: local <-> UTC with IANA zones, Windows zone names, DST gaps and folds."""

from __future__ import annotations

import importlib.metadata
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from syncore import ConfigurationError, Event
from syncore.timezones import (
    AmbiguousLocalTime,
    FoldPolicy,
    GapPolicy,
    NaiveDatetimeError,
    NonexistentLocalTime,
    all_day_span_to_utc,
    iana_to_windows,
    local_midnight_utc,
    local_to_utc,
    to_utc,
    utc_to_local,
    windows_to_iana,
    zone,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- plain conversions ----------------------------------------------------------------------------------------
def test_local_to_utc_winter_and_summer():
    assert local_to_utc(datetime(2026, 1, 15, 9, 0), "Europe/Berlin") == utc(2026, 1, 15, 8, 0)
    assert local_to_utc(datetime(2026, 7, 15, 9, 0), "Europe/Berlin") == utc(2026, 7, 15, 7, 0)
    assert local_to_utc(datetime(2026, 1, 15, 9, 0), "America/New_York") == utc(2026, 1, 15, 14, 0)
    assert local_to_utc(datetime(2026, 7, 15, 9, 0), "America/New_York") == utc(2026, 7, 15, 13, 0)


def test_local_to_utc_result_is_utc():
    result = local_to_utc(datetime(2026, 7, 15, 9, 0, 0, 5), "Asia/Kolkata")
    assert result.utcoffset() == timedelta(0)
    assert result.replace(tzinfo=None) == datetime(2026, 7, 15, 3, 30, 0, 5)


def test_utc_to_local():
    local = utc_to_local(utc(2026, 7, 15, 7, 0), "Europe/Berlin")
    assert local.replace(tzinfo=None) == datetime(2026, 7, 15, 9, 0)
    assert local.utcoffset() == timedelta(hours=2)
    assert local == utc(2026, 7, 15, 7, 0)


def test_local_to_utc_refuses_aware_input():
    with pytest.raises(ConfigurationError):
        local_to_utc(utc(2026, 1, 1, 12), "Europe/Berlin")


def test_to_utc_rejects_naive_with_a_clear_error():
    with pytest.raises(NaiveDatetimeError) as info:
        to_utc(datetime(2026, 1, 1, 12), field="start")
    message = str(info.value)
    assert "start" in message and "naive" in message
    assert isinstance(info.value, ConfigurationError)


def test_to_utc_converts_aware():
    value = datetime(2026, 1, 1, 12, tzinfo=ZoneInfo("America/New_York"))
    assert to_utc(value) == utc(2026, 1, 1, 17)
    assert to_utc(value).utcoffset() == timedelta(0)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "Europe/Berlinn", "", "../etc/passwd"])
def test_unknown_iana_zone_is_a_configuration_error_naming_it(name):
    with pytest.raises(ConfigurationError) as info:
        zone(name)
    assert repr(name) in str(info.value)
    with pytest.raises(ConfigurationError):
        local_to_utc(datetime(2026, 1, 1), name)


# -- Windows zone names (CLDR via tzlocal) --------------------------------------------------------------------
@pytest.mark.parametrize("windows,iana", [
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Eastern Standard Time", "America/New_York"),
    ("Lord Howe Standard Time", "Australia/Lord_Howe"),
    ("Line Islands Standard Time", "Pacific/Kiritimati"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
])
def test_windows_iana_both_ways(windows, iana):
    assert windows_to_iana(windows) == iana
    assert iana_to_windows(iana) == windows


@pytest.mark.parametrize("name", ["Mars Standard Time", "w. europe standard time", "Europe/Berlin"])
def test_unknown_windows_name_is_a_configuration_error_naming_it(name):
    with pytest.raises(ConfigurationError) as info:
        windows_to_iana(name)
    assert name in str(info.value)


def test_iana_to_windows_unknown_zone_names_it():
    with pytest.raises(ConfigurationError) as info:
        iana_to_windows("Nowhere/Atlantis")
    assert "Nowhere/Atlantis" in str(info.value)


def test_windows_table_dependency_is_declared():
    # windows_to_iana/iana_to_windows import tzlocal.windows_tz; a plain `pip install syncore` must bring it.
    requirements = importlib.metadata.requires("syncore") or []
    core = [r for r in requirements if "extra ==" not in r]
    names = {re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0].lower() for r in core}
    assert "tzlocal" in names, f"tzlocal missing from syncore's dependencies: {core}"


# -- DST gaps -------------------------------------------------------------------------------------------------
GAPS = [
    # zone, wall time in the gap, expected UTC with SHIFT_FORWARD
    ("Europe/Berlin", datetime(2026, 3, 29, 2, 30), utc(2026, 3, 29, 1, 30)),  # 02:30 -> 03:30 CEST
    ("America/New_York", datetime(2026, 3, 8, 2, 30), utc(2026, 3, 8, 7, 30)),  # 02:30 -> 03:30 EDT
    # Lord Howe springs forward 30 minutes at 02:00 (UTC+10:30 -> +11): 02:15 -> 02:45 (+11) = 15:45 UTC
    ("Australia/Lord_Howe", datetime(2026, 10, 4, 2, 15), utc(2026, 10, 3, 15, 45)),
]


@pytest.mark.parametrize("zone_name,wall,_", GAPS)
def test_gap_raises_by_default(zone_name, wall, _):
    with pytest.raises(NonexistentLocalTime) as info:
        local_to_utc(wall, zone_name)
    assert zone_name in str(info.value)
    assert isinstance(info.value, ConfigurationError)


@pytest.mark.parametrize("zone_name,wall,expected", GAPS)
def test_gap_shift_forward(zone_name, wall, expected):
    result = local_to_utc(wall, zone_name, on_gap=GapPolicy.SHIFT_FORWARD)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


def test_lord_howe_edges_of_the_half_hour_gap():
    zone_name = "Australia/Lord_Howe"
    # 01:59 still standard time (+10:30), 02:30 already daylight time (+11)
    assert local_to_utc(datetime(2026, 10, 4, 1, 59), zone_name) == utc(2026, 10, 3, 15, 29)
    assert local_to_utc(datetime(2026, 10, 4, 2, 30), zone_name) == utc(2026, 10, 3, 15, 30)
    with pytest.raises(NonexistentLocalTime):
        local_to_utc(datetime(2026, 10, 4, 2, 0), zone_name)


# -- DST folds ------------------------------------------------------------------------------------------------
FOLDS = [
    ("Europe/Berlin", datetime(2026, 10, 25, 2, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)),
    ("America/New_York", datetime(2026, 11, 1, 1, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)),
    # Lord Howe falls back 30 minutes at 02:00 (+11 -> +10:30) on 2026-04-05: 01:45 happens twice
    ("Australia/Lord_Howe", datetime(2026, 4, 5, 1, 45), utc(2026, 4, 4, 14, 45), utc(2026, 4, 4, 15, 15)),
]


@pytest.mark.parametrize("zone_name,wall,_e,_l", FOLDS)
def test_fold_raises_by_default(zone_name, wall, _e, _l):
    with pytest.raises(AmbiguousLocalTime) as info:
        local_to_utc(wall, zone_name)
    assert zone_name in str(info.value)


@pytest.mark.parametrize("zone_name,wall,earlier,later", FOLDS)
def test_fold_policies(zone_name, wall, earlier, later):
    assert local_to_utc(wall, zone_name, on_fold=FoldPolicy.EARLIER) == earlier
    assert local_to_utc(wall, zone_name, on_fold=FoldPolicy.LATER) == later


def test_gap_policy_does_not_apply_to_folds_and_vice_versa():
    with pytest.raises(AmbiguousLocalTime):
        local_to_utc(datetime(2026, 10, 25, 2, 30), "Europe/Berlin", on_gap=GapPolicy.SHIFT_FORWARD)
    with pytest.raises(NonexistentLocalTime):
        local_to_utc(datetime(2026, 3, 29, 2, 30), "Europe/Berlin", on_fold=FoldPolicy.LATER)


# -- all-day values -------------------------------------------------------------------------------------------
def test_all_day_dates_are_never_shifted():
    # A DST-change day, in zones far from UTC: the dates stay the dates.
    event = Event(subject="Day off", start=date(2026, 3, 29), end=date(2026, 3, 30))
    assert event.start == date(2026, 3, 29) and event.end == date(2026, 3, 30)
    assert not isinstance(event.start, datetime)


def test_all_day_span_to_utc():
    start, end = all_day_span_to_utc(date(2026, 3, 29), date(2026, 3, 30), "Europe/Berlin")
    assert start == utc(2026, 3, 28, 23, 0)  # midnight CET
    assert end == utc(2026, 3, 29, 22, 0)  # midnight CEST
    assert end - start == timedelta(hours=23)


def test_local_midnight_in_a_midnight_gap_shifts_forward():
    # Sao Paulo sprang forward at midnight on 2018-11-04: 00:00 did not exist, the day began at 01:00 (-02)
    assert local_midnight_utc(date(2018, 11, 4), "America/Sao_Paulo") == utc(2018, 11, 4, 3, 0)


# -- properties -----------------------------------------------------------------------------------------------
ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("posix/", "right/")))
instants = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC))


def _ambiguous_or_gap(wall: datetime, zone_name: str) -> bool:
    tz = ZoneInfo(zone_name)
    return wall.replace(tzinfo=tz, fold=0).utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset()


@given(zone_name=st.sampled_from(ZONES), instant=instants)
def test_utc_local_round_trip(zone_name, instant):
    local = utc_to_local(instant, zone_name)
    assert local == instant
    wall = local.replace(tzinfo=None)
    assume(not _ambiguous_or_gap(wall, zone_name))
    back = local_to_utc(wall, zone_name)
    assert back == instant
    assert back.utcoffset() == timedelta(0)


@given(zone_name=st.sampled_from(ZONES), instant=instants)
def test_utc_local_round_trip_through_folds_with_the_matching_policy(zone_name, instant):
    local = utc_to_local(instant, zone_name)
    policy = FoldPolicy.LATER if local.fold else FoldPolicy.EARLIER
    assert local_to_utc(local.replace(tzinfo=None), zone_name, on_fold=policy) == instant


@given(zone_name=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]),
       wall=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)))
def test_shift_forward_lands_on_a_real_time_after_the_wall_time(zone_name, wall):
    result = local_to_utc(wall, zone_name, on_gap=GapPolicy.SHIFT_FORWARD, on_fold=FoldPolicy.EARLIER)
    back = utc_to_local(result, zone_name).replace(tzinfo=None)
    assert back >= wall
    assert back - wall <= timedelta(hours=1)
