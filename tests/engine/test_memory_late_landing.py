"""The memory adapter's writes that land late (``defer_writes`` / ``land_deferred``): a write call whose reply is
lost and which the server makes later, within the side's ``writes_land_within`` of the call (docs/concepts.md,
"Interrupted syncs"; the state machine's LateLandings use it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncore.errors import OutcomeUnknown
from syncore.models import Contact, Kind
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest
from syncore.testing import MemoryAdapter

T0 = datetime(2026, 11, 24, 9, tzinfo=UTC)


class _Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _side(clock: _Clock) -> MemoryAdapter:
    return MemoryAdapter(name="crm", clock=clock, writes_land_within=timedelta(minutes=10))


def test_a_deferred_create_is_made_only_when_it_lands():
    clock = _Clock()
    crm = _side(clock)
    crm.defer_writes(1)
    with pytest.raises(OutcomeUnknown):
        crm.create(Kind.CONTACT, [CreateRequest(ref="r1", record=Contact(last_name="Ames"), link="pim-7")])
    assert crm.records(Kind.CONTACT) == {}
    assert [(d.operation, d.called_at) for d in crm.deferred] == [("create", T0)]

    clock.now = T0 + timedelta(minutes=9)
    crm.land_deferred()
    assert crm.records(Kind.CONTACT) == {"crm-1": Contact(last_name="Ames")}
    assert crm.link_of("crm-1") == "pim-7"
    assert crm.modified_at("crm-1") == T0 + timedelta(minutes=9)
    assert crm.deferred == ()
    # the next call is answered as usual
    assert crm.create(Kind.CONTACT, [CreateRequest(ref="r2", record=Contact(last_name="Bell"))])[0].id == "crm-2"


def test_only_the_calls_due_by_until_land():
    clock = _Clock()
    crm = _side(clock)
    first = crm.put(Contact(last_name="Ames"))
    second = crm.put(Contact(last_name="Bell"))
    crm.defer_writes(2, op="delete")
    for native_id in (first, second):
        with pytest.raises(OutcomeUnknown):
            crm.delete(Kind.CONTACT, [DeleteRequest(ref=native_id, id=native_id)])
        clock.now += timedelta(minutes=3)
    # called at 9:00 and 9:03: by 9:12 only the first must have landed
    assert [d.operation for d in crm.land_deferred(until=T0 + timedelta(minutes=12))] == ["delete"]
    assert sorted(crm.records(Kind.CONTACT)) == [second]
    crm.land_deferred()
    assert crm.records(Kind.CONTACT) == {}


def test_a_deferred_update_of_a_record_changed_since_its_base_version_does_not_land():
    clock = _Clock()
    crm = _side(clock)
    native_id = crm.put(Contact(last_name="Ames", title="CEO"))
    version = crm.fetch(Kind.CONTACT, [native_id])[native_id].version
    crm.defer_writes(2, op="update")
    for title in ("CTO", "CFO"):
        with pytest.raises(OutcomeUnknown):
            crm.update(Kind.CONTACT, [UpdateRequest(ref=title, id=native_id, base_version=version, fields=frozenset(
                {"title"}), record=Contact(last_name="Ames", title=title))])
    crm.land_deferred()
    # the first lands (the version it was planned against), the second finds the record changed since
    assert crm.records(Kind.CONTACT)[native_id].title == "CTO"


def test_faults_armed_meanwhile_leave_the_landing_writes_alone():
    clock = _Clock()
    crm = _side(clock)
    crm.defer_writes(1)
    with pytest.raises(OutcomeUnknown):
        crm.create(Kind.CONTACT, [CreateRequest(ref="r1", record=Contact(last_name="Ames"))])
    crm.crash_after(0)
    crm.fail_record(lambda record: True)
    crm.clear_faults()  # (clears what is armed; the call in flight is the server's)
    crm.crash_after(0)
    crm.land_deferred()
    assert crm.records(Kind.CONTACT) == {"crm-1": Contact(last_name="Ames")}
    assert crm.calls["create"] == 1


def test_a_write_landing_after_its_window_is_the_tests_mistake():
    clock = _Clock()
    crm = _side(clock)
    crm.defer_writes(1)
    with pytest.raises(OutcomeUnknown):
        crm.create(Kind.CONTACT, [CreateRequest(ref="r1", record=Contact(last_name="Ames"))])
    clock.now = T0 + timedelta(minutes=10)
    with pytest.raises(AssertionError, match="after its 0:10:00 have passed"):
        crm.land_deferred()


def test_a_side_whose_writes_land_within_their_call_defers_none():
    with pytest.raises(ValueError, match="writes land within 0 here"):
        MemoryAdapter(name="crm").defer_writes(1)
