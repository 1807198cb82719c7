"""Adapter factories for test_certify.py, as an adapter author would write them (imported by a pytest
subprocess)."""

from __future__ import annotations

from syncore.models import Kind
from syncore.testing import MemoryAdapter
from syncore.testing.certify import Candidate
from syncore.testing.samples import TEXT_FIELD


def memory(clock):
    adapter = MemoryAdapter(name="pim", clock=clock.now)

    def reject(kind, marker):
        adapter.fail_record(lambda r: r.kind is kind and marker in getattr(r, TEXT_FIELD[kind]))

    return Candidate(adapter=adapter, reject_records=reject,
                     expire_cursors=lambda kind: adapter.expire_cursors())


class TrustingAdapter(MemoryAdapter):
    """Takes any non-empty string for one of its ids (the abc's default): the contract must refuse it."""

    def is_native_id(self, kind: Kind, value: str) -> bool:
        return bool(value)


def trusting(clock):
    return TrustingAdapter(name="pim", clock=clock.now)
