"""Ids the engine makes up: pairs, plans, operations, conflicts, journal intents."""

from __future__ import annotations

import itertools
import random
import time

# Time-ordered: a microsecond counter (unique within the process, 12 hex digits) plus 4 random bytes for
# uniqueness across processes. 20 characters instead of uuid4's 32, and new pairs append at the end of the
# pairs B-tree instead of splitting random pages. The first 12 characters alone are unique per process
# (operation and conflict ids use them). The random bytes come from the random module, which seeds itself from
# the OS and again in every forked child (os.register_at_fork): a getrandom() call per id was a measurable share
# of a sync that plans thousands of operations.
_counter = itertools.count(time.time_ns() // 1000 % 16**12)


def new_id() -> str:
    """A new 20-character id."""
    return f"{next(_counter) % 16**12:012x}{random.getrandbits(32):08x}"
