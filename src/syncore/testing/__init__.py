"""Test support shipped with syncore: an in-memory adapter, the adapter conformance suite, strategies."""

from __future__ import annotations

from .memory import MemoryAdapter as MemoryAdapter

__all__ = ["AdapterContract", "MemoryAdapter"]


def __getattr__(name: str) -> object:
    # The contract imports pytest; load it only when asked for, so the runtime never needs pytest.
    if name == "AdapterContract":
        from .contract import AdapterContract

        return AdapterContract
    raise AttributeError(name)
