"""Issue 12.3: the capabilities an adapter declares hold for every caller, enforced once (syncore.capabilities)."""

from __future__ import annotations

import pytest

from syncore import Contact, Kind
from syncore.abc import Adapter
from syncore.errors import AdapterError, CapabilityError, NotFound
from syncore.remote import Capabilities, ChangeSet, CreateRequest, DeleteRequest, WriteOutcome


class Bare(Adapter):
    """An adapter that checks nothing itself: whatever is refused below is refused by the metaclass."""

    adapter_name = "bare"

    def __init__(self, **caps) -> None:
        self.caps = Capabilities(**{"kinds": frozenset({Kind.CONTACT}), "max_create_batch": 2, **caps})
        self.calls: list[str] = []
        self.answer_count: int | None = None

    @property
    def capabilities(self) -> Capabilities:
        return self.caps

    def changes(self, kind, cursor):
        return ChangeSet()

    def full_scan(self, kind):
        return ChangeSet(complete=True)

    def fetch(self, kind, ids):
        return {}

    def create(self, kind, requests):
        self.calls.append("create")
        n = len(requests) if self.answer_count is None else self.answer_count
        return [WriteOutcome(ref=f"r{i}", id=f"id{i}") for i in range(n)]

    def update(self, kind, requests):
        self.calls.append("update")
        return []

    def delete(self, kind, requests):
        self.calls.append("delete")
        return [WriteOutcome(ref=r.ref, error=NotFound("already gone")) for r in requests]

    def find_by_link(self, kind, links):
        self.calls.append("find_by_link")
        return {"x": None}


def _creates(n):
    return [CreateRequest(ref=f"r{i}", record=Contact(last_name=f"L{i}")) for i in range(n)]


def test_an_unsupported_kind_is_refused_before_the_adapter_runs():
    adapter = Bare()
    with pytest.raises(CapabilityError, match="does not support events"):
        adapter.create(Kind.EVENT, [])
    with pytest.raises(CapabilityError, match="does not support tasks"):
        adapter.full_scan(Kind.TASK)
    assert adapter.calls == []


def test_nothing_is_written_to_a_read_only_side():
    adapter = Bare(read_only=True)
    for method in ("create", "update", "delete"):
        with pytest.raises(CapabilityError, match="read-only"):
            getattr(adapter, method)(Kind.CONTACT, [])
    assert adapter.calls == []
    assert adapter.full_scan(Kind.CONTACT).complete  # reading is fine


def test_a_batch_larger_than_declared_is_refused():
    adapter = Bare()
    assert len(adapter.create(Kind.CONTACT, _creates(2))) == 2
    with pytest.raises(CapabilityError, match="max_create_batch"):
        adapter.create(Kind.CONTACT, _creates(3))
    assert adapter.calls == ["create"]


def test_a_write_must_answer_one_outcome_per_request():
    adapter = Bare()
    adapter.answer_count = 1
    with pytest.raises(AdapterError, match="1 outcomes for 2"):
        adapter.create(Kind.CONTACT, _creates(2))


def test_deleting_a_record_that_is_already_gone_is_a_success():
    (outcome,) = Bare().delete(Kind.CONTACT, [DeleteRequest(ref="d", id="gone")])
    assert outcome.ok and outcome.error is None


def test_a_side_without_links_finds_nothing_by_link():
    adapter = Bare(link_ids=False)
    assert adapter.find_by_link(Kind.CONTACT, ["a"]) == {}
    assert adapter.calls == []


def test_subclasses_are_checked_too():
    class Narrower(Bare):
        def create(self, kind, requests):
            return super().create(kind, requests)

    with pytest.raises(CapabilityError):
        Narrower(read_only=True).create(Kind.CONTACT, _creates(1))


def _cut(native_id="s1"):
    from datetime import UTC, datetime

    from syncore.remote import CutRequest

    return [CutRequest(ref="c", id=native_id, before=datetime(2026, 4, 9, tzinfo=UTC))]


def test_a_series_cut_is_refused_by_a_side_that_does_not_declare_it():
    with pytest.raises(CapabilityError, match="does not declare cuts_series"):
        Bare().cut_series(Kind.CONTACT, _cut())


def test_the_default_cut_refuses_each_request_and_a_gone_series_is_a_cut_one():
    """Adapter.cut_series' default (a side that declares cuts_series but never wrote a cut) fails each request;
    an adapter's NotFound (the series is gone: nothing is left to cut) is a success, as for a delete."""
    [outcome] = Bare(cuts_series=True).cut_series(Kind.CONTACT, _cut())
    assert not outcome.ok and "cannot cut" in str(outcome.error)

    class Cutting(Bare):
        def cut_series(self, kind, requests):
            return [WriteOutcome(ref=r.ref, error=NotFound("gone")) for r in requests]

    [outcome] = Cutting(cuts_series=True).cut_series(Kind.CONTACT, _cut())
    assert outcome.ok
