"""Certify an adapter with one command (see docs/adapters.md, "Certifying an adapter")::

    pytest --pyargs syncore.testing.certify --adapter-factory mypkg.testing:make_adapter

``make_adapter(clock)`` is called once per test with the contract's
:class:`~syncore.testing.clock.ManualClock` (fixed, moved by the suite; pass ``clock.now`` to an adapter or
emulator that stamps times) and returns a fresh, empty :class:`~syncore.abc.Adapter`, or a :class:`Candidate`
carrying the adapter and the optional hooks.

``--backend-factory mypkg.testing:MyBackend [--backend-side crm]`` runs the end-to-end scenarios
(:class:`~syncore.testing.engine_contract.EngineContract`) with that backend on one side and an in-memory side
on the other. Without an option, its suite is skipped, saying which option it needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs
import pytest

from ..abc import Adapter
from .clock import ManualClock
from .contract import AdapterContract
from .contract_base import ExpireCursors, RejectRecords
from .engine_contract import EngineContract
from .memory_backend import MemoryBackend


@attrs.frozen(kw_only=True)
class Candidate:
    """What an adapter factory may return instead of a bare adapter: the adapter and its test hooks.

    :ivar clock: the backend's own clock (``now()``, ``advance(timedelta)``) when it keeps one, else the one
    given
    :ivar reject_records, expire_cursors: the contract's optional hooks (see :mod:`syncore.testing.contract`)
    :ivar conditional_updates, ids_name_their_kind: the contract's capability switches
    :ivar known_failures: tests the adapter is known to fail, with why (strict xfails)
    :ivar close: called after the test (stop an emulator)
    """

    adapter: Adapter
    clock: Any = None
    reject_records: RejectRecords | None = None
    expire_cursors: ExpireCursors | None = None
    conditional_updates: bool = True
    ids_name_their_kind: bool = False
    known_failures: Mapping[str, str] = attrs.field(factory=dict)
    close: Callable[[], None] | None = None


def load(spec: str) -> Callable[..., Any]:
    """``"package.module:callable"`` (or ``"package.module:Class.method"``) -> the callable."""
    module, _, name = spec.partition(":")
    if not module or not name:
        raise pytest.UsageError(f"{spec!r}: expected MODULE:CALLABLE, e.g. mypkg.testing:make_adapter")
    try:
        found: Any = importlib.import_module(module)
        for part in name.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as exc:
        raise pytest.UsageError(f"{spec!r} cannot be loaded: {exc}") from exc
    return found  # type: ignore[no-any-return]


class TestAdapterContract(AdapterContract):
    """The AdapterContract on the adapter ``--adapter-factory`` makes."""

    @pytest.fixture
    def given_clock(self) -> ManualClock:
        return ManualClock(self.now)

    @pytest.fixture
    def candidate(self, request: pytest.FixtureRequest, given_clock: ManualClock) -> Iterator[Candidate]:
        spec = request.config.getoption("--adapter-factory")
        if spec is None:
            pytest.skip("give --adapter-factory MODULE:CALLABLE to certify an adapter")
        made = load(spec)(given_clock)
        candidate = made if isinstance(made, Candidate) else Candidate(adapter=made)
        # the switches and known failures are the candidate's; the instance lives for this one test
        self.conditional_updates = candidate.conditional_updates
        self.ids_name_their_kind = candidate.ids_name_their_kind
        reason = candidate.known_failures.get(request.node.name)
        if reason is not None:
            request.node.add_marker(pytest.mark.xfail(strict=True, reason=reason))
        yield candidate
        if candidate.close is not None:
            candidate.close()

    @pytest.fixture
    def clock(self, candidate: Candidate, given_clock: ManualClock) -> Any:
        return candidate.clock or given_clock

    @pytest.fixture
    def adapter(self, candidate: Candidate) -> Adapter:
        return candidate.adapter

    @pytest.fixture
    def reject_records(self, candidate: Candidate) -> RejectRecords:
        if candidate.reject_records is None:
            pytest.skip("the candidate provides no reject_records hook")
        return candidate.reject_records

    @pytest.fixture
    def expire_cursors(self, candidate: Candidate) -> ExpireCursors:
        if candidate.expire_cursors is None:
            pytest.skip("the candidate provides no expire_cursors hook")
        return candidate.expire_cursors


class TestEngineContract(EngineContract):
    """The EngineContract with the ``--backend-factory`` backend on one side and a memory side on the
    other."""

    def _backend(self, request: pytest.FixtureRequest, side: str) -> Iterator[Any]:
        spec = request.config.getoption("--backend-factory")
        if spec is None:
            pytest.skip("give --backend-factory MODULE:CALLABLE to run the end-to-end scenarios")
        if request.config.getoption("--backend-side") == side:
            factory = load(spec)
        else:
            factory = MemoryBackend.crm_like if side == "crm" else MemoryBackend.pim_like
        with factory(self.now) as backend:
            yield backend

    @pytest.fixture
    def pim(self, request: pytest.FixtureRequest) -> Iterator[Any]:
        yield from self._backend(request, "pim")

    @pytest.fixture
    def crm(self, request: pytest.FixtureRequest) -> Iterator[Any]:
        yield from self._backend(request, "crm")
