"""What the adapter conformance suite stands on: its capability switches, optional fixtures and helpers.

:class:`ContractBase` is the part of :class:`~syncore.testing.contract.AdapterContract` a test module
configures; the tests themselves are in :mod:`syncore.testing.contract`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest

from ..abc import Adapter
from ..merge import without_fields
from ..models import Body, Kind, Record
from ..remote import CreateRequest, RemoteRecord, UpdateRequest, WriteOutcome
from .clock import ManualClock
from .known_failures import KnownFailures
from .samples import TEXT_FIELD, sample_record

#: what a ``reject_records`` fixture returns: ``reject(kind, marker)`` makes the backend refuse (per record,
#: the rest of the batch succeeding) every write of a ``kind`` record whose text field (subject, a contact's
#: last name) contains ``marker``, from then on. A data-level rule, as a real backend's validation rule is.
RejectRecords = Callable[[Kind, str], None]
#: what an ``expire_cursors`` fixture returns: ``expire(kind)`` makes every cursor handed out so far for
#: ``kind`` too old, as the backend would after its retention period
ExpireCursors = Callable[[Kind], None]

#: every test that takes a ``kind`` runs once per kind; a kind the adapter does not sync is skipped, with the
#: reason
KINDS = pytest.mark.parametrize("kind", list(Kind), ids=[kind.value for kind in Kind])
#: how far the clock moves between steps that must get new versions
STEP = timedelta(seconds=1)


def text_of(value: object) -> str:
    # the second text field of a task is its body: compare the words
    return value.text if isinstance(value, Body) else str(value)


class ContractBase(KnownFailures):
    """Switches, fixtures and helpers of the adapter contract (see :mod:`syncore.testing.contract`)."""

    #: the fixed "now" the sample data is dated from and the ``clock`` fixture starts at (never the wall
    #: clock: a run does the same on every day)
    now: ClassVar[datetime] = datetime(2031, 3, 3, 8, tzinfo=UTC)
    #: the adapter refuses an update planned against a version that is no longer current, with
    #: :class:`~syncore.errors.VersionMismatch` (EWS change keys, Outlook modification times; Salesforce, whose
    #: collections API has no conditional write, compares versions read right before each batch). Set False
    #: only for a backend that cannot refuse one at all.
    conditional_updates: ClassVar[bool] = True
    #: native ids say which kind they belong to (Salesforce key prefixes): ``is_native_id`` refuses an event's
    #: id as a contact's. Set True when they do.
    ids_name_their_kind: ClassVar[bool] = False

    # -- fixtures a subclass provides or overrides -----------------------------------------------------------
    @pytest.fixture
    def adapter(self) -> Adapter:
        pytest.fail(f"{type(self).__name__} must provide an `adapter` fixture (a fresh, empty backend)")

    @pytest.fixture
    def clock(self) -> Any:
        """The backend's clock, fixed at :attr:`now`; the suite advances it by a second between steps.
        Override it to hand back the emulator's own clock (anything with ``now()`` and
        ``advance(timedelta)``)."""
        return ManualClock(self.now)

    @pytest.fixture
    def reject_records(self) -> RejectRecords:
        pytest.skip("the test module provides no `reject_records` fixture (see syncore.testing.contract)")

    @pytest.fixture
    def expire_cursors(self) -> ExpireCursors:
        pytest.skip("the test module provides no `expire_cursors` fixture (see syncore.testing.contract)")

    # -- helpers -------------------------------------------------------------------------------------------
    def require(self, adapter: Adapter, kind: Kind) -> None:
        if kind not in adapter.capabilities.kinds:
            pytest.skip(f"{adapter.adapter_name} does not sync {kind.value}s (capabilities.kinds)")

    def samples(self, kind: Kind, count: int, first: int = 0) -> list[Record]:
        return [sample_record(kind, n, now=self.now) for n in range(first, first + count)]

    def create(
        self, adapter: Adapter, kind: Kind, records: list[Record], link: str | None = None
    ) -> list[str]:
        outcomes = self.create_outcomes(adapter, kind, records, link)
        assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok][:3]
        assert all(o.id for o in outcomes), "a successful create names the new record"
        return [o.id for o in outcomes]  # type: ignore[misc]

    def create_outcomes(
        self, adapter: Adapter, kind: Kind, records: list[Record], link: str | None = None
    ) -> list[WriteOutcome]:
        requests = [CreateRequest(ref=f"r{i}", record=r, link=link) for i, r in enumerate(records)]
        outcomes = adapter.create(kind, requests)
        assert [o.ref for o in outcomes] == [r.ref for r in requests], "one outcome per request, in order"
        return outcomes

    def update(
        self, adapter: Adapter, kind: Kind, native_id: str, record: Record, fields: set[str],
        base_version: str | None = None,
    ) -> WriteOutcome:
        (outcome,) = adapter.update(kind, [UpdateRequest(ref="u", id=native_id, record=record,
                                                         fields=frozenset(fields),
                                                         base_version=base_version)])
        assert outcome.ref == "u"
        return outcome

    def read(self, adapter: Adapter, kind: Kind, native_id: str) -> RemoteRecord:
        found = adapter.fetch(kind, [native_id])
        assert native_id in found, f"{native_id} is not found right after it was written"
        return found[native_id]

    def assert_same(self, adapter: Adapter, expected: Record, actual: Record) -> None:
        # a side's read-only fields (Graph's attendees) are never written: what it wrote holds them empty
        want = without_fields(adapter.represent(expected), adapter.capabilities.read_only_fields)
        assert actual == want, f"differs in {sorted(want.changed_fields(actual))}"

    @staticmethod
    def mark(record: Record, marker: str) -> Record:
        field = TEXT_FIELD[record.kind]
        return record.replace(**{field: f"{getattr(record, field)} {marker}"})

