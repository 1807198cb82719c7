"""Test support shipped with syncore: an in-memory adapter, the adapter and engine conformance suites,
strategies."""

from __future__ import annotations

from .memory import MemoryAdapter as MemoryAdapter

__all__ = ["AdapterContract", "EngineContract", "MemoryAdapter"]


def __getattr__(name: str) -> object:
    # The contracts import pytest; load them only when asked for, so the runtime never needs pytest.
    if name == "AdapterContract":
        from .contract import AdapterContract

        return AdapterContract
    if name == "EngineContract":
        from .engine_contract import EngineContract

        return EngineContract
    raise AttributeError(name)
