"""Test support shipped with syncore: in-memory and file-backed sides, the adapter conformance suite, strategies.

* :class:`MemoryAdapter`: an in-memory side with fault injection (:meth:`~MemoryAdapter.crash_after` raises
  :class:`SimulatedCrash` between two writes, as a killed process would stop)
* :class:`DemoFileAdapter`: a memory side saved to a JSON file, for trying the command line
* :class:`AdapterContract`: the conformance tests every adapter runs (imports pytest, so loaded on demand)
"""

from __future__ import annotations

from ..errors import SimulatedCrash as SimulatedCrash
from .demo_file import DemoFileAdapter as DemoFileAdapter
from .memory import MemoryAdapter as MemoryAdapter

__all__ = ["AdapterContract", "DemoFileAdapter", "MemoryAdapter", "SimulatedCrash"]


def __getattr__(name: str) -> object:
    # The contract imports pytest; load it only when asked for, so the runtime never needs pytest.
    if name == "AdapterContract":
        from .contract import AdapterContract

        return AdapterContract
    raise AttributeError(name)
