"""Property: any series the core can hold (random rules, awkward zones, cancelled and moved occurrences; the
shared strategy of syncore.testing.strategies) either goes through Graph and comes back with the same occurrences
inside the sync window, or is refused for that record alone with a reason. Through the real adapter and the Graph
emulator (its expansion is dateutil over the patternedRecurrence, independent of the core's)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, assume, given, settings

from syncore.models import Kind
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest
from syncore.series import Series, Window
from syncore.testing.strategies import series_events

NOW = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)


def _shown(event, window):
    return [(o.original_start, o.event.start, o.event.end, o.event.subject, o.event.location)
            for o in Series(event).expand(window)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(series=series_events(around=NOW, days=45))
def test_a_series_comes_back_with_the_same_occurrences_in_the_window_or_is_refused(adapter, series):
    first, end = adapter.window()
    window = Window(first.date(), end.date())
    reason = adapter.unfit_reason(series)
    (outcome,) = adapter.create(Kind.EVENT, [CreateRequest(ref="p", record=series)])
    if reason is not None:
        assert not outcome.ok and str(outcome.error)
        return
    assert outcome.ok, outcome.error
    try:
        stored = adapter.fetch(Kind.EVENT, [outcome.id])[outcome.id].record
        assert _shown(stored, window) == _shown(adapter.represent(series), window)
    finally:
        adapter.delete(Kind.EVENT, [DeleteRequest(ref="d", id=outcome.id)])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=series_events(around=NOW, days=45), after=series_events(around=NOW, days=45))
def test_a_series_updated_into_another_comes_back_as_that_one_in_the_window(adapter, before, after):
    first, end = adapter.window()
    window = Window(first.date(), end.date())
    assume(adapter.unfit_reason(before) is None and adapter.unfit_reason(after) is None)
    assume(before.all_day == after.all_day)
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="p", record=before)])
    assert created.ok, created.error
    try:
        (updated,) = adapter.update(Kind.EVENT, [UpdateRequest(
            ref="u", id=created.id, record=after, base_version=created.version,
            fields=frozenset({"recurrence", "start", "end", "subject", "location"}))])
        assert updated.ok, updated.error
        stored = adapter.fetch(Kind.EVENT, [created.id])[created.id]
        assert stored.version == updated.version
        assert _shown(stored.record, window) == _shown(adapter.represent(after), window)
    finally:
        adapter.delete(Kind.EVENT, [DeleteRequest(ref="d", id=created.id)])
