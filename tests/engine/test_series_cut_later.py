"""A lost reply to a rule copy's cut, and the next sync days later, after the window's first day moved past one of
the series' occurrences (docs/recurrence.md, "A rule copy with history")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_engine_series import keys
from test_engine_series_faults import faulty_sync
from test_series_cut import held_with_history
from test_series_switch import lengthen

from syncore import ConflictPolicy, Kind, SyncSettings
from syncore.series import Series


@pytest.mark.parametrize("policy", [ConflictPolicy.CRM_WINS, ConflictPolicy.PIM_WINS])
def test_a_lost_cut_read_a_week_later_never_shortens_the_series(policy):
    w, pim_id, crm_id = held_with_history(settings=SyncSettings(conflict_policy=policy))
    lengthen(w, pim_id)
    w.crm.lose_replies(1, op="cut_series")
    faulty_sync(w)
    assert list(Series(w.crm_events()[crm_id]).starts()) == keys(4), "the cut landed"
    w.now += timedelta(days=8)  # the window's first day moves past the fifth Monday
    w.sync()
    series = w.pim.records(Kind.EVENT)[pim_id]
    assert series.recurrence.rule == "FREQ=WEEKLY;BYDAY=MO;COUNT=12", "the PIM series is not shortened"
    assert list(Series(w.crm_events()[crm_id]).starts()) == keys(4), "the history stays as cut"
