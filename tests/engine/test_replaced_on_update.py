"""A write that answers an update with a *new* id has replaced the record: the old one was deleted by that write.
Salesforce does this to a Lightning series whose rule changes (``Recurrence2PatternText`` is create-only: a new
series, then the old one deleted by its first occurrence), and the REST guide says such a deletion finishes later
("We're deleting the selected events from the series. Wait for all events to be removed.", "Delete Lightning
Experience Event Series"). While it lingers, the old record is listed by its side; it must not come back to the
other side as a new record (tests/salesforce/test_sf_series_deferred_delete.py runs it through Salesforce).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from syncore import ConflictPolicy, Event, Kind, Side, SqliteStateStore, SyncEngine, SyncSettings
from syncore.remote import CreateRequest, UpdateRequest, WriteOutcome
from syncore.testing import MemoryAdapter

NOW = datetime(2026, 3, 10, 8, tzinfo=UTC)


class Replacing(MemoryAdapter):
    """A side whose update writes the record anew under a new id and leaves the old one listed (for now)."""

    def update(self, kind: Kind, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        current = self.fetch(kind, [r.id for r in requests])
        return self.create(kind, [
            CreateRequest(ref=r.ref, record=current[r.id].record.replace(
                **{name: getattr(r.record, name) for name in r.fields}), link=r.link)
            for r in requests])


def test_the_record_an_update_replaced_is_not_copied_back_while_its_side_still_lists_it():
    pim = MemoryAdapter(name="pim", clock=lambda: NOW)
    crm = Replacing(name="crm", clock=lambda: NOW)
    state = SqliteStateStore(":memory:")
    engine = SyncEngine(pim=pim, crm=crm, state=state, clock=lambda: NOW,
                        settings=SyncSettings(conflict_policy=ConflictPolicy.PIM_WINS))
    start = NOW + timedelta(days=2)
    pim_id = pim.put(Event(subject="Kickoff", start=start, end=start + timedelta(hours=1)))
    assert engine.sync(Kind.EVENT).ok
    [old_id] = crm.records(Kind.EVENT)
    pim.edit(pim_id, subject="Kickoff (moved room)")
    assert engine.sync(Kind.EVENT).ok
    new_id = next(i for i in crm.records(Kind.EVENT) if i != old_id)
    assert old_id in crm.records(Kind.EVENT), "the old record lingers"
    state.set_cursor("default", Kind.EVENT, Side.CRM, None)  # the next sync reads the CRM whole
    result = engine.sync(Kind.EVENT)
    assert result.ok and not any(result.counts.values()), result.counts
    assert list(pim.records(Kind.EVENT)) == [pim_id], "the lingering old record is not copied to the PIM"
    assert pim.records(Kind.EVENT)[pim_id].subject == "Kickoff (moved room)"
    assert crm.records(Kind.EVENT)[new_id].subject == "Kickoff (moved room)"
    crm.remove(old_id)  # its side finishes the deletion
    result = engine.sync(Kind.EVENT)
    assert result.ok and not any(result.counts.values()), result.counts
    assert list(pim.records(Kind.EVENT)) == [pim_id]
