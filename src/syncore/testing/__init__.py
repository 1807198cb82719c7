"""Test support shipped with syncore: in-memory and file-backed sides, the conformance suites, strategies.

* :class:`MemoryAdapter`: an in-memory side with fault injection (:meth:`~MemoryAdapter.crash_after` raises
  :class:`SimulatedCrash` between two writes, as a killed process would stop)
* :class:`DemoFileAdapter`: a memory side saved to a JSON file, for trying the command line
* :class:`AdapterContract`, :class:`EngineContract`, :class:`StateStoreContract`: the conformance tests every
  adapter, adapter pair and state store runs (they import pytest, so they are loaded on demand)
"""

from __future__ import annotations

from ..errors import SimulatedCrash as SimulatedCrash
from .demo_file import DemoFileAdapter as DemoFileAdapter
from .memory import MemoryAdapter as MemoryAdapter

__all__ = ["AdapterContract", "DemoFileAdapter", "EngineContract", "MemoryAdapter", "SimulatedCrash",
           "StateStoreContract"]


def __getattr__(name: str) -> object:
    # The contracts import pytest; load them only when asked for, so the runtime never needs pytest.
    if name == "AdapterContract":
        from .contract import AdapterContract

        return AdapterContract
    if name == "StateStoreContract":
        from .state_contract import StateStoreContract

        return StateStoreContract
    if name == "EngineContract":
        from .engine_contract import EngineContract

        return EngineContract
    raise AttributeError(name)
