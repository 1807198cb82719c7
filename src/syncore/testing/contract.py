"""The adapter conformance suite: a pytest mixin that every adapter's tests subclass.

Subclass :class:`AdapterContract` in a test module and provide two fixtures::

    class TestMyAdapter(AdapterContract):
        @pytest.fixture
        def adapter(self):
            return MyAdapter(...)          # a fresh, empty backend

        def reject_records(self, adapter, kind, predicate):
            ...                            # make the backend refuse writes of matching records

The suite covers create / fetch / update / delete round trips, the change feed after each, per-record error
outcomes, batch limits, and time-zone and body round trips. Records are compared as the adapter represents
them (:meth:`~syncore.abc.Adapter.represent`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from ..abc import Adapter
from ..models import Body, Event, Kind, Record
from ..remote import CreateRequest, DeleteRequest, UpdateRequest, read_unread
from .samples import all_day_event, dst_days, dst_event, sample_record


class AdapterContract:
    """Conformance tests; see the module docstring for what a subclass provides."""

    #: "now" for sample data; events are created a few days after it
    now: datetime = datetime.now(timezone.utc).replace(microsecond=0)

    def reject_records(self, adapter: Adapter, kind: Kind, predicate: Callable[[Record], bool]) -> None:
        """Arrange for the backend to refuse writes of records matching ``predicate`` with a per-record error."""
        raise NotImplementedError("subclasses of AdapterContract must implement reject_records")

    # -- helpers -------------------------------------------------------------------------------------------
    def kinds(self, adapter: Adapter) -> list[Kind]:
        return sorted(adapter.capabilities.kinds, key=lambda kind: kind.value)

    def create(self, adapter: Adapter, kind: Kind, records: list[Record], link: str | None = None) -> list[str]:
        outcomes = adapter.create(
            kind, [CreateRequest(ref=f"r{i}", record=r, link=link) for i, r in enumerate(records)]
        )
        assert [o.ref for o in outcomes] == [f"r{i}" for i in range(len(records))]
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        return [o.id for o in outcomes]  # type: ignore[misc]

    def assert_same(self, adapter: Adapter, expected: Record, actual: Record) -> None:
        want = adapter.represent(expected)
        assert actual == want, f"differs in {sorted(want.changed_fields(actual))}"

    # -- the contract --------------------------------------------------------------------------------------
    def test_capabilities(self, adapter: Adapter) -> None:
        caps = adapter.capabilities
        assert caps.kinds, "an adapter supports at least one kind"
        for size in (caps.max_create_batch, caps.max_update_batch, caps.max_delete_batch, caps.max_fetch_batch):
            assert size >= 1
        assert isinstance(adapter.adapter_name, str) and adapter.adapter_name

    def test_create_then_fetch_round_trip(self, adapter: Adapter) -> None:
        for kind in self.kinds(adapter):
            records = [sample_record(kind, n, now=self.now) for n in range(3)]
            ids = self.create(adapter, kind, records)
            assert len(set(ids)) == 3
            fetched = adapter.fetch(kind, ids)
            for native_id, record in zip(ids, records, strict=True):
                self.assert_same(adapter, record, fetched[native_id].record)

    def test_fetch_leaves_out_missing_ids(self, adapter: Adapter) -> None:
        for kind in self.kinds(adapter):
            (native_id,) = self.create(adapter, kind, [sample_record(kind, 1, now=self.now)])
            adapter.delete(kind, [DeleteRequest(ref="d", id=native_id)])
            assert native_id not in adapter.fetch(kind, [native_id])

    def test_full_scan_then_change_feed(self, adapter: Adapter) -> None:
        for kind in self.kinds(adapter):
            (first,) = self.create(adapter, kind, [sample_record(kind, 1, now=self.now)])
            scan = adapter.full_scan(kind)
            assert scan.complete and first in {item.id for item in scan.upserts}
            assert scan.cursor is not None
            # create
            (second,) = self.create(adapter, kind, [sample_record(kind, 2, now=self.now)])
            feed = read_unread(adapter, kind, adapter.changes(kind, scan.cursor))
            assert second in {item.id for item in feed.upserts}
            # update: the feed reports the new version
            before = adapter.fetch(kind, [second])[second]
            record = before.record
            changed = record.replace(**{self._text_field(kind): "Changed by contract"})
            (outcome,) = adapter.update(kind, [UpdateRequest(ref="u", id=second, record=changed,
                                                             fields=frozenset({self._text_field(kind)}))])
            assert outcome.ok, outcome.error
            feed2 = read_unread(adapter, kind, adapter.changes(kind, feed.cursor))  # type: ignore[arg-type]
            updated = {item.id: item for item in feed2.upserts}
            assert second in updated
            assert getattr(updated[second].record, self._text_field(kind)) == "Changed by contract"
            assert updated[second].version != before.version
            # delete
            (outcome,) = adapter.delete(kind, [DeleteRequest(ref="d", id=second)])
            assert outcome.ok, outcome.error
            feed3 = read_unread(adapter, kind, adapter.changes(kind, feed2.cursor))  # type: ignore[arg-type]
            assert second in feed3.deletions
            assert second not in {item.id for item in feed3.upserts}

    def test_update_writes_only_named_fields(self, adapter: Adapter) -> None:
        for kind in self.kinds(adapter):
            original = sample_record(kind, 3, now=self.now)
            (native_id,) = self.create(adapter, kind, [original])
            field = self._text_field(kind)
            other = self._other_text_field(kind)
            proposal = original.replace(**{field: "New value", other: "Must not be written"})
            (outcome,) = adapter.update(kind, [UpdateRequest(ref="u", id=native_id, record=proposal,
                                                             fields=frozenset({field}))])
            assert outcome.ok, outcome.error
            stored = adapter.fetch(kind, [native_id])[native_id].record
            assert getattr(stored, field) == "New value"
            assert getattr(stored, other) == getattr(adapter.represent(original), other)

    def test_delete_of_missing_record_is_not_an_error_for_the_others(self, adapter: Adapter) -> None:
        for kind in self.kinds(adapter):
            ids = self.create(adapter, kind, [sample_record(kind, n, now=self.now) for n in range(2)])
            adapter.delete(kind, [DeleteRequest(ref="x", id=ids[0])])
            outcomes = adapter.delete(kind, [DeleteRequest(ref="a", id=ids[0]), DeleteRequest(ref="b", id=ids[1])])
            assert outcomes[1].ok
            assert outcomes[0].ok or outcomes[0].error.__class__.__name__ == "NotFound"
            assert adapter.fetch(kind, ids) == {}

    def test_one_rejected_record_does_not_stop_the_batch(self, adapter: Adapter) -> None:
        for kind in self.kinds(adapter):
            records = [sample_record(kind, n, now=self.now) for n in (10, 11, 12)]
            bad = records[1]
            self.reject_records(adapter, kind, lambda record, bad=bad: record == bad)
            outcomes = adapter.create(kind, [CreateRequest(ref=str(i), record=r) for i, r in enumerate(records)])
            assert [o.ok for o in outcomes] == [True, False, True]
            assert outcomes[1].error is not None and str(outcomes[1].error)
            fetched = adapter.fetch(kind, [outcomes[0].id, outcomes[2].id])  # type: ignore[list-item]
            assert len(fetched) == 2

    def test_full_batch_is_accepted(self, adapter: Adapter) -> None:
        kind = self.kinds(adapter)[0]
        size = min(adapter.capabilities.max_create_batch, 200)
        records = [sample_record(kind, n, now=self.now) for n in range(size)]
        ids = self.create(adapter, kind, records)
        assert len(set(ids)) == size
        deletes = adapter.delete(kind, [DeleteRequest(ref=str(i), id=i) for i in ids[: adapter.capabilities.max_delete_batch]])
        assert all(o.ok for o in deletes)

    def test_event_times_round_trip_across_dst(self, adapter: Adapter) -> None:
        if Kind.EVENT not in adapter.capabilities.kinds:
            return
        year = self.now.year + 1
        eu_spring, eu_fall, us_spring = dst_days(year)
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
            assert stored.start == event.start and stored.end == event.end
            assert stored.all_day == event.all_day

    def test_bodies_round_trip(self, adapter: Adapter) -> None:
        kind = Kind.EVENT if Kind.EVENT in adapter.capabilities.kinds else self.kinds(adapter)[0]
        field = "notes" if kind is Kind.CONTACT else "body"
        html = "<html><body><p>Agenda:</p><ul><li><b>Budget</b></li><li>Hiring</li></ul></body></html>"
        record = sample_record(kind, 7, now=self.now).replace(**{field: Body(html=html)})
        (native_id,) = self.create(adapter, kind, [record])
        stored = getattr(adapter.fetch(kind, [native_id])[native_id].record, field)
        assert stored == Body(html=html), "the plain text survives"
        assert stored.is_formatted == adapter.capabilities.formatted_bodies

    def test_links_make_creates_findable(self, adapter: Adapter) -> None:
        if not adapter.capabilities.link_ids:
            assert adapter.find_by_link(self.kinds(adapter)[0], ["anything"]) == {}
            return
        for kind in self.kinds(adapter):
            (native_id,) = self.create(adapter, kind, [sample_record(kind, 4, now=self.now)], link=f"link-{kind.value}")
            found = adapter.find_by_link(kind, [f"link-{kind.value}", "no-such-link"])
            assert set(found) == {f"link-{kind.value}"}
            assert found[f"link-{kind.value}"].id == native_id
            assert adapter.fetch(kind, [native_id])[native_id].link == f"link-{kind.value}"

    @staticmethod
    def _text_field(kind: Kind) -> str:
        return "last_name" if kind is Kind.CONTACT else "subject"

    @staticmethod
    def _other_text_field(kind: Kind) -> str:
        return {Kind.CONTACT: "title", Kind.EVENT: "location", Kind.TASK: "body"}[kind]

    def test_update_of_missing_record_reports_not_found(self, adapter: Adapter) -> None:
        for kind in self.kinds(adapter):
            record = sample_record(kind, 5, now=self.now)
            (native_id,) = self.create(adapter, kind, [record])
            adapter.delete(kind, [DeleteRequest(ref="d", id=native_id)])
            (outcome,) = adapter.update(kind, [UpdateRequest(ref="u", id=native_id, record=record,
                                                             fields=frozenset({self._text_field(kind)}))])
            assert not outcome.ok
            assert outcome.error.__class__.__name__ in {"NotFound", "RecordRejected"}

