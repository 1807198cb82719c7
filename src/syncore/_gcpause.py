"""The cyclic garbage collector paused while a sync plans or applies (issue 18, T2: the echo sync at 100k pairs).

A sync at 100k records keeps hundreds of thousands of young objects alive at once (feed records, pairs, plan
entries). Each automatic collection walks the young generations and the objects they point to, which lie all
over a heap of a few hundred MB at that size, so the collector's share grows faster than the records: 0-4 % of
an echo sync at 10k pairs, 10-17 % at 100k; a 100k initial load also runs several full (generation 2)
collections. It finds nothing to free there: syncore's data holds no reference cycles, and reference counting
frees every record, pair and operation as soon as it is dropped (a 100k initial load and its echo, measured
with ``gc.callbacks``: 1,645 collections, 0 objects collected). So the collector is paused for the sync and
resumed after it; whatever cyclic garbage an adapter's client leaves meanwhile is collected then.

Only the caller that paused it resumes it: a sync run while the collector is already off (paused by another
sync in another thread, or disabled by the application) leaves the setting as it found it.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with automatic garbage collection off, then turn it back on if it was on."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
