"""Time spent inside adapter calls, so engine overhead can be told apart from the (fake) backend's own cost."""

from __future__ import annotations

import functools
import time
from typing import Any

METHODS = ("changes", "full_scan", "fetch", "create", "update", "delete", "find_by_link")


class AdapterClock:
    """Wraps the adapters' methods on the instances; ``seconds`` is the CPU time spent inside them."""

    def __init__(self, *adapters: Any) -> None:
        self.seconds = 0.0
        for adapter in adapters:
            for name in METHODS:
                setattr(adapter, name, self._wrap(getattr(adapter, name)))

    def _wrap(self, method: Any) -> Any:
        @functools.wraps(method)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - start

        return timed

    def reset(self) -> None:
        self.seconds = 0.0
