"""End-to-end scenarios every adapter + emulator pair must pass: a pytest mixin over a PIM and a CRM backend.

Subclass :class:`EngineContract` and provide ``pim`` and ``crm`` fixtures yielding started
:class:`~syncore.testing.backend.Backend` instances; parametrize them to run every scenario over every pair::

    PIMS = {"exchange": ExchangeBackend, "memory": MemoryBackend.pim_like}
    CRMS = {"salesforce": SalesforceBackend, "memory": MemoryBackend.crm_like}

    class TestEngineContract(EngineContract):
        @pytest.fixture(params=list(PIMS.values()), ids=list(PIMS))
        def pim(self, request):
            with request.param(self.now) as backend:
                yield backend

        @pytest.fixture(params=list(CRMS.values()), ids=list(CRMS))
        def crm(self, request):
            with request.param(self.now) as backend:
                yield backend

The data is small and the clocks are fixed (``now`` is just before the EU fall-back change of 2026-10-25), so
a pair runs in about a second. Request counts are checked against each backend's literal protocol limits
(:class:`~syncore.testing.backend.RequestLimits`), never against the adapter's own constants.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import attrs
import pytest

from ..engine import SyncEngine
from ..models import Body, Event, Kind, Side
from ..results import EventType, SyncResult
from ..settings import SyncSettings
from ..state import SqliteStateStore
from ..state_types import Action
from .backend import Backend, StoredEvent, requests_for
from .clock import ManualClock
from .known_failures import KnownFailures

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HTML = ("<html><body><p>Agenda</p><ul><li><b>Budget 2027</b></li>"
        "<li><span style='color:red'>Hiring</span></li></ul></body></html>")
# Friday before the EU fall-back change (CEST, UTC+2) and the Monday after it (CET, UTC+1), both 10:00 Berlin
BEFORE = datetime(2026, 10, 23, 10, 0, tzinfo=BERLIN)
AFTER = datetime(2026, 10, 26, 10, 0, tzinfo=BERLIN)


def _at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _utc(value: date | datetime) -> date | datetime:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


@attrs.define
class World:
    """Two backends, one engine on an in-memory state store, and one clock moving all three."""

    pim: Backend
    crm: Backend
    now: datetime
    clock: ManualClock = attrs.field(init=False)
    engine: SyncEngine = attrs.field(init=False)
    events: list[Any] = attrs.Factory(list)

    def __attrs_post_init__(self) -> None:
        self.clock = ManualClock(self.now)
        self.engine = SyncEngine(pim=self.pim.adapter, crm=self.crm.adapter,
                                 state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                                 clock=self.clock.now, on_event=self.events.append)

    def tick(self, seconds: int = 60) -> None:
        delta = timedelta(seconds=seconds)
        self.clock.advance(delta)
        self.pim.advance(delta)
        self.crm.advance(delta)

    def sync(self, kind: Kind = Kind.EVENT) -> SyncResult:
        """One sync a minute after the last change; it must succeed."""
        self.tick()
        result = self.engine.sync(kind)
        assert result.ok, result.errors
        self.tick()
        return result

    def reset_requests(self) -> None:
        self.pim.reset_requests()
        self.crm.reset_requests()

    def side(self, side: Side) -> Backend:
        return self.pim if side is Side.PIM else self.crm


def writes(result: SyncResult) -> dict[tuple[Side, Action], int]:
    """The writes a sync made, by (side, action)."""
    return {key: n for key, n in result.counts.items() if n}


def only(events: dict[str, StoredEvent]) -> tuple[str, StoredEvent]:
    assert len(events) == 1, f"expected one event, found {sorted(e.subject for e in events.values())}"
    return next(iter(events.items()))


def times(backend: Backend) -> dict[str, tuple[date | datetime, date | datetime]]:
    """Each stored event's start and end, by subject."""
    return {subject: (event.start, event.end) for subject, (_, event) in by_subject(backend).items()}


def by_subject(backend: Backend) -> dict[str, tuple[str, StoredEvent]]:
    found = {event.subject: (native_id, event) for native_id, event in backend.events().items()}
    assert len(found) == len(backend.events()), "two events share a subject: a duplicate"
    return found


class EngineContract(KnownFailures):
    """End-to-end scenarios; see the module docstring for the fixtures a subclass provides."""

    #: before the EU fall-back change of 2026-10-25 and the US one of 2026-11-01
    now: ClassVar[datetime] = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)

    @pytest.fixture
    def pim(self) -> Backend:
        pytest.fail(f"{type(self).__name__} must provide a `pim` fixture yielding a started Backend")

    @pytest.fixture
    def crm(self) -> Backend:
        pytest.fail(f"{type(self).__name__} must provide a `crm` fixture yielding a started Backend")

    @pytest.fixture
    def world(self, pim: Backend, crm: Backend) -> Iterator[World]:
        yield World(pim, crm, self.now)

    # -- the scenarios --------------------------------------------------------------------------------------
    def test_formatted_body_is_kept_while_the_crm_moves_the_meeting_across_dst(self, world: World) -> None:
        pim, crm = world.pim, world.crm
        if not pim.adapter.capabilities.formatted_bodies or crm.adapter.capabilities.formatted_bodies:
            pytest.skip("needs a PIM that keeps formatted bodies and a CRM that keeps plain text")
        meeting = Event(subject="Budget review", start=BEFORE, end=BEFORE + timedelta(hours=1),
                        location="Room 4", body=Body(html=HTML))
        pim_id = pim.user_create_event(meeting)
        formatted = pim.events()[pim_id].formatted
        assert formatted is not None, "the user's body is stored formatted"
        world.sync()
        crm_id, copy = only(crm.events())
        assert (copy.start, copy.end) == (_utc(BEFORE), _utc(BEFORE + timedelta(hours=1)))
        assert "Budget 2027" in copy.text and copy.formatted is None

        # the CRM rewrites the description and moves the meeting to Monday, after the fall-back change
        crm.user_edit_event(crm_id, start=AFTER, end=AFTER + timedelta(hours=1), text="Plain CRM notes")
        result = world.sync()
        assert writes(result) == {(Side.PIM, Action.UPDATE): 1}
        moved = pim.events()[pim_id]
        assert (moved.start, moved.end) == (_at(2026, 10, 26, 9), _at(2026, 10, 26, 10))  # 10:00 CET
        assert moved.formatted == formatted, "the formatted body is kept, byte for byte"
        assert any(e.type is EventType.BODY_KEPT for e in world.events)
        assert crm.events()[crm_id].text == "Plain CRM notes", "the CRM keeps its own description"
        world.sync()  # the echo of our own write
        assert not writes(world.sync())
        assert len(pim.events()) == len(crm.events()) == 1

    def test_dst_and_all_day_events_round_trip_both_ways(self, world: World) -> None:
        pim, crm = world.pim, world.crm
        from_pim = {
            # Berlin: the spring-forward jump inside, a start in the fall-back fold (the first 02:30, CEST)
            "berlin spring": (datetime(2027, 3, 28, 1, 30, tzinfo=BERLIN),
                              datetime(2027, 3, 28, 4, 0, tzinfo=BERLIN)),
            "berlin fold": (datetime(2026, 10, 25, 2, 30, fold=0, tzinfo=BERLIN),
                            datetime(2026, 10, 25, 4, 0, tzinfo=BERLIN)),
            "all day on the change": (date(2026, 10, 25), date(2026, 10, 26)),
            "three days across it": (date(2026, 10, 24), date(2026, 10, 27)),
        }
        from_crm = {
            # New York: the second 01:30 of the US fall-back day (EST), and a day spanning the change
            "new york fold": (datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK),
                              datetime(2026, 11, 1, 3, 0, tzinfo=NEW_YORK)),
            "all day in the crm": (date(2026, 11, 1), date(2026, 11, 2)),
        }
        for backend, events in ((pim, from_pim), (crm, from_crm)):
            for name, (start, end) in events.items():
                backend.user_create_event(Event(subject=name, start=start, end=end))
        world.sync()
        expected = {name: (_utc(s), _utc(e)) for name, (s, e) in {**from_pim, **from_crm}.items()}
        for backend in (pim, crm):
            assert times(backend) == expected, type(backend).__name__

        # the CRM moves a meeting over the change and an all-day event by a day; the PIM moves its own
        crm_ids = {subject: native_id for subject, (native_id, _) in by_subject(crm).items()}
        crm.user_edit_event(crm_ids["berlin fold"], start=BEFORE, end=AFTER - timedelta(days=2))
        crm.user_edit_event(crm_ids["all day on the change"], start=date(2026, 10, 26),
                            end=date(2026, 10, 27))
        pim_ids = {subject: native_id for subject, (native_id, _) in by_subject(pim).items()}
        pim.user_edit_event(pim_ids["new york fold"], start=datetime(2026, 11, 2, 1, 30, tzinfo=NEW_YORK),
                            end=datetime(2026, 11, 2, 3, 0, tzinfo=NEW_YORK))
        result = world.sync()
        assert writes(result) == {(Side.PIM, Action.UPDATE): 2, (Side.CRM, Action.UPDATE): 1}
        expected["berlin fold"] = (_at(2026, 10, 23, 8), _at(2026, 10, 24, 8))
        expected["all day on the change"] = (date(2026, 10, 26), date(2026, 10, 27))
        expected["new york fold"] = (_at(2026, 11, 2, 6, 30), _at(2026, 11, 2, 8))
        for backend in (pim, crm):
            assert times(backend) == expected, type(backend).__name__
        world.sync()
        assert not writes(world.sync())

    def _six_meetings(self, world: World) -> None:
        """Meetings 0 to 2 made in the PIM, 3 to 5 in the CRM, synced once."""
        for n in range(6):
            start = BEFORE + timedelta(hours=n)
            backend = world.pim if n < 3 else world.crm
            end = start + timedelta(minutes=30)
            backend.user_create_event(Event(subject=f"Meeting {n}", start=start, end=end))
        world.sync()
        meetings = [f"Meeting {n}" for n in range(6)]
        assert sorted(by_subject(world.pim)) == sorted(by_subject(world.crm)) == meetings

    def test_deletions_flow_both_ways(self, world: World) -> None:
        pim, crm = world.pim, world.crm
        self._six_meetings(world)
        assert not writes(world.sync()), "the echo of our own creates"
        # each side deletes one of its own records and one copy of the other side's
        for backend, meetings in ((pim, (0, 3)), (crm, (1, 4))):
            for n in meetings:
                backend.user_delete_event(by_subject(backend)[f"Meeting {n}"][0])
        result = world.sync()
        assert writes(result) == {(Side.CRM, Action.DELETE): 2, (Side.PIM, Action.DELETE): 2}
        assert sorted(by_subject(pim)) == sorted(by_subject(crm)) == ["Meeting 2", "Meeting 5"]
        world.sync()
        assert not writes(world.sync())

    def test_a_copy_deleted_before_the_echo_of_its_create_was_read_is_deleted_on_the_other_side(
        self, world: World
    ) -> None:
        pim, crm = world.pim, world.crm
        self._six_meetings(world)
        # right after the sync that made them, each side's user deletes a copy the engine made there
        pim.user_delete_event(by_subject(pim)["Meeting 3"][0])
        crm.user_delete_event(by_subject(crm)["Meeting 0"][0])
        result = world.sync()
        assert writes(result) == {(Side.CRM, Action.DELETE): 1, (Side.PIM, Action.DELETE): 1}
        assert sorted(by_subject(pim)) == sorted(by_subject(crm)) == ["Meeting 1", "Meeting 2", "Meeting 4",
                                                                       "Meeting 5"]
        world.sync()
        assert not writes(world.sync())

    def test_request_counts_stay_within_the_protocol_limits(self, world: World) -> None:
        pim, crm = world.pim, world.crm
        # one more record than the larger write batch, so a write needs more than one request on both sides
        n = max(limit.write or 1 for limit in (pim.limits, crm.limits)) + 1
        for i in range(n):
            start = BEFORE + timedelta(days=i % 20, minutes=30 * (i % 16))
            pim.user_create_event(Event(subject=f"Bulk {i}", start=start, end=start + timedelta(minutes=30)))
        world.reset_requests()
        world.sync()
        assert len(crm.events()) == n
        assert crm.count(crm.limits.write_ops) <= requests_for(n, crm.limits.write)
        assert pim.count(pim.limits.feed_ops) <= requests_for(n, pim.limits.feed_page)
        assert pim.count(pim.limits.fetch_ops) <= requests_for(n, pim.limits.fetch)
        assert pim.count(pim.limits.write_ops) == 0

        world.reset_requests()
        assert not writes(world.sync()), "the echo of our own creates"
        assert crm.count(crm.limits.feed_ops) <= requests_for(n, crm.limits.feed_page)

        world.reset_requests()
        assert not writes(world.sync())
        for backend in (pim, crm):
            assert backend.counted_requests() == backend.limits.quiet, f"quiet sync: {type(backend).__name__}"

        # the CRM user moves one more meeting than a PIM write carries: one feed read there, batched PIM
        # updates
        moved = (pim.limits.write or 1) + 1
        self._move_all(crm, timedelta(hours=1), count=moved)
        world.reset_requests()
        result = world.sync()
        assert writes(result) == {(Side.PIM, Action.UPDATE): moved}
        assert pim.count(pim.limits.write_ops) <= requests_for(moved, pim.limits.write)
        assert crm.count(crm.limits.feed_ops) <= requests_for(moved, crm.limits.feed_page)
        assert crm.count(crm.limits.write_ops) == 0
        world.sync()  # the echo of those updates

        # the PIM user renames three meetings: one feed read, those three read, one batch to the CRM
        for native_id in sorted(pim.events())[:3]:
            pim.user_edit_event(native_id, subject=f"Renamed {native_id[-6:]}")
        world.reset_requests()
        assert writes(world.sync()) == {(Side.CRM, Action.UPDATE): 3}
        assert pim.count(pim.limits.feed_ops) == 1
        assert pim.count(pim.limits.fetch_ops) <= requests_for(3, pim.limits.fetch)
        assert crm.count(crm.limits.write_ops) <= requests_for(3, crm.limits.write)

    def test_the_echo_of_our_own_writes_is_never_read_back(self, world: World) -> None:
        pim, crm = world.pim, world.crm
        self._six_meetings(world)
        world.reset_requests()
        assert not writes(world.sync()), "the echo of our own creates"
        for backend in (pim, crm):
            assert backend.count(backend.limits.fetch_ops) == 0, (type(backend), backend.request_counts())
        for mover, target in ((crm, pim), (pim, crm)):
            self._move_all(mover, timedelta(minutes=15))
            assert writes(world.sync()) == {(target is pim and Side.PIM or Side.CRM, Action.UPDATE): 6}
            world.reset_requests()
            assert not writes(world.sync()), "the echo of our own updates"
            assert target.count(target.limits.fetch_ops) == 0, (type(target), target.request_counts())

    @staticmethod
    def _move_all(backend: Backend, delta: timedelta, count: int | None = None) -> None:
        for native_id, event in sorted(backend.events().items())[:count]:
            backend.user_edit_event(native_id, start=event.start + delta, end=event.end + delta)  # type: ignore[operator]
