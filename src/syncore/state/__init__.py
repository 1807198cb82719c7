"""State stores: :class:`SqliteStateStore` (the default; ``":memory:"`` for tests)."""

from __future__ import annotations

from .sqlite import SqliteStateStore as SqliteStateStore

__all__ = ["SqliteStateStore"]
