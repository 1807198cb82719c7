"""Builders and exact comparisons for the state-store conformance suite (:mod:`.state_contract`) and stores'
own tests: pairs, intents, pending items, history entries and lock holders with small defaults."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs

from ..models import Body, Contact, Event, Kind, Record, Side, Task
from ..state_types import Action, HistoryEntry, Intent, LockHolder, Pair, PendingCategory, PendingItem

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def make_pair(pair_id: str = "p1", pim_id: str = "pim-1", crm_id: str = "crm-1", *, profile: str = "default",
              kind: Kind = Kind.CONTACT, base: Record | None = None, pim_body: Body | None = None,
              pim_version: str | None = "v1", crm_version: str | None = "w1") -> Pair:
    """A pair with a small base of ``kind`` (named after ``pair_id``)."""
    if base is None:
        base = {Kind.CONTACT: Contact(last_name=f"Lee {pair_id}"), Kind.TASK: Task(subject=pair_id),
                Kind.EVENT: Event(subject=pair_id, start=date(2026, 1, 1), end=date(2026, 1, 2))}[kind]
    return Pair(profile=profile, kind=kind, pair_id=pair_id, pim_id=pim_id, crm_id=crm_id,
                pim_version=pim_version, crm_version=crm_version, base=base, pim_body=pim_body)


def exact(record: object) -> tuple[Any, ...]:
    """A record as a tuple that compares everything: a Body's text, html and rtf (``Body.__eq__`` compares the
    normalized text only) and each datetime's UTC offset."""
    out: list[Any] = [type(record).__name__]
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        if isinstance(value, Body):
            value = ("Body", value.text, value.html, value.rtf)
        elif isinstance(value, datetime):
            value = ("datetime", value, value.utcoffset())
        out.append((field.name, type(value).__name__, value))
    return tuple(out)


def assert_same_pair(got: Pair, want: Pair) -> None:
    """Every stored attribute of ``got`` equals ``want``'s, the base compared exactly."""
    assert (got.profile, got.kind, got.pair_id, got.pim_id, got.crm_id, got.pim_version, got.crm_version,
            got.conflicts) == (want.profile, want.kind, want.pair_id, want.pim_id, want.crm_id, want.pim_version,
                               want.crm_version, want.conflicts)
    assert exact(got.base) == exact(want.base)
    if want.pim_body is None:
        assert got.pim_body is None
    else:
        assert got.pim_body is not None
        assert (got.pim_body.text, got.pim_body.html, got.pim_body.rtf) == (
            want.pim_body.text, want.pim_body.html, want.pim_body.rtf)


def make_intent(intent_id: str, *, at: datetime = T0, kind: Kind = Kind.EVENT, profile: str = "default",
                fingerprint: str | None = None) -> Intent:
    """A create intent towards the CRM."""
    return Intent(intent_id=intent_id, profile=profile, kind=kind, side=Side.CRM, action=Action.CREATE,
                  pair_id="p1", target_id=None, source_id="pim-1", created_at=at, fingerprint=fingerprint)


def make_pending(native_id: str, **kw: Any) -> PendingItem:
    """A pending item (defaults: a failed PIM task)."""
    kw.setdefault("category", PendingCategory.FAILED)
    return PendingItem(profile=kw.pop("profile", "default"), kind=kw.pop("kind", Kind.TASK),
                       side=kw.pop("side", Side.PIM), native_id=native_id, reason=kw.pop("reason", "x"), **kw)


def make_entry(finished: datetime, *, profile: str = "default", kind: Kind = Kind.EVENT,
               ok: bool = True) -> HistoryEntry:
    """A history entry of a five-second run."""
    return HistoryEntry(profile=profile, kind=kind, started_at=finished - timedelta(seconds=5),
                        finished_at=finished, ok=ok, summary={"created": 1, "note": "x"})


def make_holder(owner: str, at: datetime, ttl: int = 60, *, host: str = "host-a", pid: int = 4242) -> LockHolder:
    """A lock holder whose lease runs ``ttl`` seconds from ``at``."""
    return LockHolder(owner=owner, host=host, pid=pid, acquired_at=at, expires_at=at + timedelta(seconds=ttl))
