"""syncore's Exchange (EWS) adapter: ``ExchangeAdapter`` over exchangelib, plus a loopback EWS emulator.

EWS serves on-premises Exchange; Exchange Online blocks it from 1 October 2026 (a Microsoft Graph adapter
can reuse :mod:`syncore_exchange._mapping`, which does not import exchangelib).
"""

from __future__ import annotations

from .adapter import ExchangeAdapter as ExchangeAdapter
from .converter import make_converter as make_converter

__all__ = ["ExchangeAdapter", "make_converter"]
