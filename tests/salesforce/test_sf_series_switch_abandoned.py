"""A switch to single events given up through the real Salesforce adapter and the emulator: a classic series the
PIM lengthened past classic's 53 weekly occurrences (Knowledge Article 000212481) is switched, but Salesforce refuses
all but two of the single events (a validation rule), so the classic series' deletion waits; a Salesforce user
renames one of the two; the PIM then shortens the series back within the limit. The rename is carried over as a
modified occurrence of the series (its row in the classic series renamed, the PIM series' override), and the two
single events are deleted (docs/recurrence.md, "A copy edited before its switch was given up")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_sf_series import NOW, World, key, weekly
from test_sf_series_switch import classic_series

from syncore.models import Kind
from syncore.recurrence import Override, Recurrence
from syncore_salesforce.emulator import SalesforceEmulator


@pytest.fixture
def emu():
    with SalesforceEmulator(start_time=NOW) as server:  # 10 March 2026
        yield server
        assert server.errors == [], server.errors[0] if server.errors else ""


def wire(n: int) -> str:
    """The StartDateTime Salesforce writes for the n-th occurrence (0-based), in UTC."""
    return key(n).strftime("%Y-%m-%dT%H:%M:%S")


def test_a_single_event_renamed_in_salesforce_becomes_a_renamed_occurrence_of_the_classic_series(emu):
    w = World(emu, series_form="classic")
    pim_id = w.pim.put(weekly(count=6))
    w.sync()
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=60", zone="Europe/Berlin"))
    landed = (wire(1), wire(2))
    rule = emu.faults.add_validation_rule(
        lambda sobject, row: sobject == "Event" and not row.get("IsRecurrence") and not row.get(
            "RecurrenceActivityId") and row.get("StartDateTime") not in (key(1), key(2)),
        message="refused for the test")
    emu.clock.advance(1)
    result = w.engine.sync(Kind.EVENT)
    assert not result.ok
    emu.faults.remove_validation_rule(rule)
    singles = [r for r in emu.all("Event") if not r["IsRecurrence"] and not r["RecurrenceActivityId"]]
    assert sorted(r["StartDateTime"][:19] for r in singles) == list(landed)
    assert len(classic_series(emu)) == 7, "the classic series waits for the other occurrences"
    [renamed] = [r["Id"] for r in singles if r["StartDateTime"].startswith(wire(1))]
    emu.update("Event", renamed, {"Subject": "1:1 with Ada"})
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=5", zone="Europe/Berlin"))
    emu.clock.advance(timedelta(hours=1).total_seconds())
    w.sync()
    rows = classic_series(emu)
    assert [r for r in emu.all("Event") if r not in rows] == [], "no single event left"
    occurrences = sorted((r for r in rows if not r["IsRecurrence"]), key=lambda r: r["StartDateTime"])
    assert [(r["StartDateTime"][:19], r["Subject"]) for r in occurrences] == [
        (wire(0), "1:1"), (wire(1), "1:1 with Ada"), (wire(2), "1:1"), (wire(3), "1:1"), (wire(4), "1:1")]
    [series] = w.pim.records(Kind.EVENT).values()
    assert series.recurrence.overrides == (Override(original_start=key(1), subject="1:1 with Ada"),)
    w.calm()
