"""The adapter conformance suite: a pytest mixin every adapter's tests subclass (see docs/adapters.md).

Subclass :class:`AdapterContract` in a test module and provide an ``adapter`` fixture (a fresh, empty
backend)::

    class TestMyAdapter(AdapterContract):
        ids_name_their_kind = True  # capability switches: see syncore.testing.contract_base

        @pytest.fixture
        def adapter(self, clock):
            # ``clock`` is fixed at ``self.now``; the suite advances it
            return MyAdapter(..., clock=clock.now)

        @pytest.fixture
        def reject_records(self, emulator):
            def reject(kind, marker):  # refuse writes of records whose text holds marker
                emulator.add_rule(lambda row: marker in row["Subject"])
            return reject

Optional fixtures: ``clock``, ``reject_records`` and ``expire_cursors``; ``known_failures`` names tests the
adapter is known to fail (with the reason), run as strict xfails. A test needing a kind, a capability or a
hook the adapter (or its test module) lacks is skipped with the reason; ``pytest -rs`` lists them. Records are
compared as the adapter represents them (:meth:`~syncore.abc.Adapter.represent`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ..abc import Adapter
from ..errors import CursorExpired, NotFound, VersionMismatch
from ..models import Body, Event, Kind
from ..remote import DeleteRequest, UpdateRequest, read_unread
from .contract_base import KINDS, STEP, ContractBase, ExpireCursors, RejectRecords, text_of
from .contract_series import SeriesContract
from .samples import (
    OTHER_TEXT_FIELD,
    TEXT_FIELD,
    all_day_event,
    awkward_records,
    dst_days,
    dst_event,
    has_long_text,
    sample_record,
)

__all__ = ["AdapterContract", "ExpireCursors", "RejectRecords"]


class AdapterContract(SeriesContract, ContractBase):
    """Conformance tests; see the module docstring for what a subclass provides (series:
    :mod:`syncore.testing.contract_series`, switched by ``capabilities.recurrence``)."""

    # -- reading and writing -------------------------------------------------------------------------------
    def test_capabilities_are_declared(self, adapter: Adapter) -> None:
        assert isinstance(adapter, Adapter)
        caps = adapter.capabilities
        assert caps.kinds, "an adapter supports at least one kind"
        assert caps.kinds <= set(Kind)
        sizes = (caps.max_create_batch, caps.max_update_batch, caps.max_delete_batch, caps.max_fetch_batch)
        assert all(isinstance(size, int) and size >= 1 for size in sizes), sizes
        assert isinstance(adapter.adapter_name, str) and adapter.adapter_name

    @KINDS
    def test_create_then_fetch_round_trip(self, adapter: Adapter, kind: Kind) -> None:
        self.require(adapter, kind)
        records = self.samples(kind, 3)
        outcomes = self.create_outcomes(adapter, kind, records)
        ids = [o.id for o in outcomes]
        assert all(o.ok for o in outcomes) and len(set(ids)) == 3
        fetched = adapter.fetch(kind, ids)
        for outcome, record in zip(outcomes, records, strict=True):
            stored = fetched[outcome.id]  # type: ignore[index]
            self.assert_same(adapter, record, stored.record)
            # the engine recognises the echo of its own write by version alone
            assert outcome.version is not None and outcome.version == stored.version

    @KINDS
    def test_fetch_leaves_out_missing_ids(self, adapter: Adapter, kind: Kind) -> None:
        self.require(adapter, kind)
        gone, kept = self.create(adapter, kind, self.samples(kind, 2))
        adapter.delete(kind, [DeleteRequest(ref="d", id=gone)])
        assert set(adapter.fetch(kind, [gone, kept])) == {kept}

    @KINDS
    def test_full_scan_then_change_feed(self, adapter: Adapter, clock: Any, kind: Kind) -> None:
        self.require(adapter, kind)
        field = TEXT_FIELD[kind]
        (first,) = self.create(adapter, kind, self.samples(kind, 1, first=1))
        scan = adapter.full_scan(kind)
        assert scan.complete and first in {item.id for item in scan.upserts} and scan.cursor is not None
        clock.advance(STEP)
        (second,) = self.create(adapter, kind, self.samples(kind, 1, first=2))
        feed = read_unread(adapter, kind, adapter.changes(kind, scan.cursor))
        assert second in {item.id for item in feed.upserts}
        assert not feed.complete, "an incremental feed is never complete (absence is not deletion)"
        clock.advance(STEP)
        before = self.read(adapter, kind, second)
        changed = before.record.replace(**{field: "Changed by contract"})
        outcome = self.update(adapter, kind, second, changed, {field})
        assert outcome.ok, outcome.error
        feed2 = read_unread(adapter, kind, adapter.changes(kind, feed.cursor))  # type: ignore[arg-type]
        updated = {item.id: item for item in feed2.upserts}
        assert getattr(updated[second].record, field) == "Changed by contract"
        assert updated[second].version != before.version and updated[second].version == outcome.version
        clock.advance(STEP)
        (deleted,) = adapter.delete(kind, [DeleteRequest(ref="d", id=second)])
        assert deleted.ok, deleted.error
        feed3 = read_unread(adapter, kind, adapter.changes(kind, feed2.cursor))  # type: ignore[arg-type]
        assert second in feed3.deletions and second not in {item.id for item in feed3.upserts}

    @KINDS
    def test_update_writes_only_named_fields(self, adapter: Adapter, kind: Kind) -> None:
        self.require(adapter, kind)
        original = sample_record(kind, 3, now=self.now)
        (native_id,) = self.create(adapter, kind, [original])
        field, other = TEXT_FIELD[kind], OTHER_TEXT_FIELD[kind]
        proposal = original.replace(**{field: "New value", other: "Must not be written"})
        outcome = self.update(adapter, kind, native_id, proposal, {field})
        assert outcome.ok, outcome.error
        stored = self.read(adapter, kind, native_id).record
        assert getattr(stored, field) == "New value"
        assert text_of(getattr(stored, other)) == text_of(getattr(adapter.represent(original), other))

    @KINDS
    def test_update_against_a_stale_version_is_refused(
        self, adapter: Adapter, clock: Any, kind: Kind
    ) -> None:
        self.require(adapter, kind)
        if not self.conditional_updates:
            pytest.skip(f"{adapter.adapter_name} has no conditional writes (conditional_updates = False)")
        field, other = TEXT_FIELD[kind], OTHER_TEXT_FIELD[kind]
        (native_id,) = self.create(adapter, kind, self.samples(kind, 1, first=4))
        planned = self.read(adapter, kind, native_id)
        clock.advance(STEP)
        first = self.update(adapter, kind, native_id, planned.record.replace(**{field: "First writer"}),
                            {field}, base_version=planned.version)
        assert first.ok, first.error
        clock.advance(STEP)
        late = self.update(adapter, kind, native_id, planned.record.replace(**{other: "Late writer"}),
                           {other}, base_version=planned.version)
        assert isinstance(late.error, VersionMismatch), late.error
        stored = self.read(adapter, kind, native_id).record
        assert getattr(stored, field) == "First writer"
        unchanged = getattr(adapter.represent(planned.record), other)
        assert getattr(stored, other) == unchanged, "nothing overwritten"

    @KINDS
    def test_update_of_a_missing_record_reports_not_found(self, adapter: Adapter, kind: Kind) -> None:
        self.require(adapter, kind)
        record = sample_record(kind, 5, now=self.now)
        (native_id,) = self.create(adapter, kind, [record])
        adapter.delete(kind, [DeleteRequest(ref="d", id=native_id)])
        outcome = self.update(adapter, kind, native_id, record, {TEXT_FIELD[kind]})
        assert isinstance(outcome.error, NotFound), outcome.error

    @KINDS
    def test_deleting_a_record_that_is_already_gone_is_a_success(self, adapter: Adapter, kind: Kind) -> None:
        self.require(adapter, kind)
        gone, other = self.create(adapter, kind, self.samples(kind, 2))
        adapter.delete(kind, [DeleteRequest(ref="x", id=gone)])
        outcomes = adapter.delete(kind, [DeleteRequest(ref="a", id=gone), DeleteRequest(ref="b", id=other)])
        assert [o.ref for o in outcomes] == ["a", "b"]
        assert [o.error for o in outcomes] == [None, None], "already gone is what a delete asks for"
        assert adapter.fetch(kind, [gone, other]) == {}

    # -- one bad record ------------------------------------------------------------------------------------
    @KINDS
    def test_one_rejected_create_does_not_stop_the_batch(
        self, adapter: Adapter, reject_records: RejectRecords, kind: Kind
    ) -> None:
        self.require(adapter, kind)
        records = self.samples(kind, 3, first=10)
        records[1] = self.mark(records[1], "REJECT-ME")
        reject_records(kind, "REJECT-ME")
        outcomes = self.create_outcomes(adapter, kind, records)
        assert [o.ok for o in outcomes] == [True, False, True], [o.error for o in outcomes]
        assert str(outcomes[1].error), "the error says why"
        written = [outcomes[0].id, outcomes[2].id]
        assert set(adapter.fetch(kind, written)) == set(written)  # type: ignore[arg-type]

    @KINDS
    def test_one_rejected_update_does_not_stop_the_batch(
        self, adapter: Adapter, reject_records: RejectRecords, kind: Kind
    ) -> None:
        self.require(adapter, kind)
        records = self.samples(kind, 3, first=13)
        records[1] = self.mark(records[1], "REJECT-ME")
        ids = self.create(adapter, kind, records)
        reject_records(kind, "REJECT-ME")
        other = OTHER_TEXT_FIELD[kind]
        requests = [UpdateRequest(ref=str(i), id=native_id, record=record.replace(**{other: "Updated"}),
                                  fields=frozenset({other}))
                    for i, (native_id, record) in enumerate(zip(ids, records, strict=True))]
        outcomes = adapter.update(kind, requests)
        assert [o.ok for o in outcomes] == [True, False, True], [o.error for o in outcomes]
        stored = adapter.fetch(kind, ids)
        assert [text_of(getattr(stored[i].record, other)) == "Updated" for i in ids] == [True, False, True]

    # -- batches, cursors, ids -----------------------------------------------------------------------------
    @KINDS
    def test_write_batches_of_the_declared_maximum_are_accepted(self, adapter: Adapter, kind: Kind) -> None:
        self.require(adapter, kind)
        caps = adapter.capabilities
        outcomes = self.create_outcomes(adapter, kind, self.samples(kind, caps.max_create_batch))
        assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok][:3]
        ids = [o.id for o in outcomes]
        while len(ids) < max(caps.max_update_batch, caps.max_delete_batch):
            ids += self.create(adapter, kind, self.samples(kind, caps.max_create_batch, first=len(ids)))
        other = OTHER_TEXT_FIELD[kind]
        records = {native_id: sample_record(kind, n, now=self.now) for n, native_id in enumerate(ids)}
        updates = adapter.update(kind, [
            UpdateRequest(ref=native_id, id=native_id, record=records[native_id].replace(**{other: "Batch"}),
                          fields=frozenset({other})) for native_id in ids[: caps.max_update_batch]])
        assert len(updates) == caps.max_update_batch
        assert all(o.ok for o in updates), [o.error for o in updates if not o.ok][:3]
        deletes = adapter.delete(kind, [DeleteRequest(ref=i, id=i) for i in ids[: caps.max_delete_batch]])
        assert len(deletes) == caps.max_delete_batch
        assert all(o.ok for o in deletes), [o.error for o in deletes if not o.ok][:3]
        assert adapter.fetch(kind, ids[: min(caps.max_delete_batch, caps.max_fetch_batch)]) == {}

    def test_a_fetch_batch_of_the_declared_maximum_is_answered(self, adapter: Adapter) -> None:
        # One kind is enough: the batch size is declared for the adapter, not per kind.
        caps = adapter.capabilities
        kind = min(caps.kinds, key=lambda k: k.value)
        ids: list[str] = []
        while len(ids) < caps.max_fetch_batch:
            size = min(caps.max_create_batch, caps.max_fetch_batch - len(ids))
            ids += self.create(adapter, kind, self.samples(kind, size, first=len(ids)))
        fetched = adapter.fetch(kind, ids)
        assert set(fetched) == set(ids)

    @KINDS
    def test_an_unreadable_cursor_is_cursor_expired(self, adapter: Adapter, kind: Kind) -> None:
        self.require(adapter, kind)
        for cursor in ("", "not a cursor", "0:0:0:0", "{}"):
            with pytest.raises(CursorExpired):
                adapter.changes(kind, cursor)

    @KINDS
    def test_an_expired_cursor_is_reported_and_a_full_scan_recovers(
        self, adapter: Adapter, clock: Any, expire_cursors: ExpireCursors, kind: Kind
    ) -> None:
        self.require(adapter, kind)
        (first,) = self.create(adapter, kind, self.samples(kind, 1, first=20))
        stale = adapter.full_scan(kind).cursor
        expire_cursors(kind)
        clock.advance(STEP)
        (second,) = self.create(adapter, kind, self.samples(kind, 1, first=21))
        with pytest.raises(CursorExpired):
            adapter.changes(kind, stale)  # type: ignore[arg-type]
        rescan = adapter.full_scan(kind)
        assert rescan.complete and {first, second} <= {item.id for item in rescan.upserts}
        clock.advance(STEP)
        (third,) = self.create(adapter, kind, self.samples(kind, 1, first=22))
        feed = read_unread(adapter, kind, adapter.changes(kind, rescan.cursor))  # type: ignore[arg-type]
        assert third in {item.id for item in feed.upserts}, "the new cursor works"

    def malformed_ids(self, own: str) -> list[str]:
        """Values no adapter may take for one of its ids (``own`` is a real one). Extend it per adapter."""
        return ["", " ", "not an id", f"{own} ", f" {own}", f"{own}'", f"{own}\n", f"{own}\x00", f"../{own}",
                "' OR Id != '", "<ItemId/>"]

    @KINDS
    def test_is_native_id_accepts_own_ids_and_refuses_malformed_ones(
        self, adapter: Adapter, kind: Kind
    ) -> None:
        self.require(adapter, kind)
        ids = self.create(adapter, kind, self.samples(kind, 2, first=30))
        assert all(adapter.is_native_id(kind, native_id) for native_id in ids)
        accepted = [bad for bad in self.malformed_ids(ids[0]) if adapter.is_native_id(kind, bad)]
        assert accepted == [], "malformed ids taken for native ones"

    @KINDS
    def test_another_kinds_id_is_not_a_native_id_and_finds_nothing(
        self, adapter: Adapter, kind: Kind
    ) -> None:
        self.require(adapter, kind)
        others = sorted(adapter.capabilities.kinds - {kind}, key=lambda k: k.value)
        if not others:
            pytest.skip(f"{adapter.adapter_name} syncs {kind.value}s only")
        (foreign,) = self.create(adapter, others[0], self.samples(others[0], 1, first=31))
        assert adapter.fetch(kind, [foreign]) == {}, "a link naming another kind's record finds nothing"
        if not self.ids_name_their_kind:
            pytest.skip(f"{adapter.adapter_name} ids do not name their kind (ids_name_their_kind = False)")
        assert not adapter.is_native_id(kind, foreign)

    @KINDS
    def test_represent_is_idempotent(self, adapter: Adapter, kind: Kind) -> None:
        self.require(adapter, kind)
        for record in [*self.samples(kind, 3), *awkward_records(kind, now=self.now)]:
            once = adapter.represent(record)
            twice = adapter.represent(once)
            assert twice == once, f"represent changes its own result in {sorted(once.changed_fields(twice))}"
            assert type(once) is type(record)

    # -- values --------------------------------------------------------------------------------------------
    @KINDS
    def test_awkward_records_are_stored_as_represented(self, adapter: Adapter, kind: Kind) -> None:
        self.require(adapter, kind)
        records = awkward_records(kind, now=self.now)
        outcomes = self.create_outcomes(adapter, kind, records)
        for outcome, record in zip(outcomes, records, strict=True):
            if outcome.ok:
                stored = self.read(adapter, kind, outcome.id)  # type: ignore[arg-type]
                self.assert_same(adapter, record, stored.record)
            else:
                # only a value longer than a side's field may be refused (per record, with a reason)
                assert has_long_text(record), f"{record} refused: {outcome.error}"
                assert str(outcome.error)

    def test_event_times_round_trip_across_dst(self, adapter: Adapter) -> None:
        self.require(adapter, Kind.EVENT)
        eu_spring, eu_fall, us_spring = dst_days(self.now.year + 1)
        events = [
            dst_event("Europe/Berlin", eu_spring, 1),  # spans the spring-forward jump
            dst_event("Europe/Berlin", eu_fall, 2, minutes=90),  # starts inside the fall-back fold
            dst_event("America/New_York", us_spring, 1, minutes=120),
            all_day_event(eu_spring),
            all_day_event(eu_fall - timedelta(days=1), days=3),
        ]
        ids = self.create(adapter, Kind.EVENT, events)
        fetched = adapter.fetch(Kind.EVENT, ids)
        for native_id, event in zip(ids, events, strict=True):
            stored = fetched[native_id].record
            assert isinstance(stored, Event)
            assert (stored.start, stored.end, stored.all_day) == (event.start, event.end, event.all_day)
            assert type(stored.start) is type(event.start), "dates stay dates, instants stay instants"

    @KINDS
    def test_bodies_round_trip(self, adapter: Adapter, kind: Kind) -> None:
        self.require(adapter, kind)
        field = "notes" if kind is Kind.CONTACT else "body"
        html = "<html><body><p>Agenda:</p><ul><li><b>Budget</b></li><li>Hiring</li></ul></body></html>"
        record = sample_record(kind, 7, now=self.now).replace(**{field: Body(html=html)})
        (native_id,) = self.create(adapter, kind, [record])
        stored = getattr(self.read(adapter, kind, native_id).record, field)
        assert stored == Body(html=html), "the plain text survives"
        assert stored.is_formatted == adapter.capabilities.formatted_bodies

    # -- links ---------------------------------------------------------------------------------------------
    @KINDS
    def test_links_make_creates_findable(self, adapter: Adapter, kind: Kind) -> None:
        self.require(adapter, kind)
        if not adapter.capabilities.link_ids:
            pytest.skip(f"{adapter.adapter_name} stores no links (capabilities.link_ids)")
        link = f"link-{kind.value}"
        (native_id,) = self.create(adapter, kind, [sample_record(kind, 4, now=self.now)], link=link)
        self.create(adapter, kind, [sample_record(kind, 5, now=self.now)], link=None)
        found = adapter.find_by_link(kind, [link, "no-such-link"])
        assert set(found) == {link} and found[link].id == native_id
        assert self.read(adapter, kind, native_id).link == link

    def test_without_link_support_find_by_link_finds_nothing(self, adapter: Adapter) -> None:
        if adapter.capabilities.link_ids:
            pytest.skip(f"{adapter.adapter_name} stores links (capabilities.link_ids)")
        kind = min(adapter.capabilities.kinds, key=lambda k: k.value)
        self.create(adapter, kind, [sample_record(kind, 4, now=self.now)], link="link-x")
        assert adapter.find_by_link(kind, ["link-x"]) == {}
