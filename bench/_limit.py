"""A delegating adapter that reports smaller batch sizes, for batch-size sweeps over real adapters."""

from __future__ import annotations

from typing import Any

import attrs

from syncore.abc import Adapter


class BatchLimited(Adapter):
    """``inner`` with its capabilities' batch sizes replaced (the engine sizes its calls from them)."""

    def __init__(self, inner: Adapter, **batches: int) -> None:
        self.inner = inner
        self.adapter_name = inner.adapter_name
        self._caps = attrs.evolve(inner.capabilities, **batches)

    @property
    def capabilities(self) -> Any:
        return self._caps

    def changes(self, kind, cursor):
        return self.inner.changes(kind, cursor)

    def full_scan(self, kind):
        return self.inner.full_scan(kind)

    def fetch(self, kind, ids):
        return self.inner.fetch(kind, ids)

    def create(self, kind, requests):
        return self.inner.create(kind, requests)

    def update(self, kind, requests):
        return self.inner.update(kind, requests)

    def delete(self, kind, requests):
        return self.inner.delete(kind, requests)

    def find_by_link(self, kind, links):
        return self.inner.find_by_link(kind, links)

    def represent(self, record):
        return self.inner.represent(record)

    def close(self) -> None:
        self.inner.close()
