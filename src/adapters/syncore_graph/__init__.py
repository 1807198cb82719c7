"""syncore's Microsoft Graph adapter: ``GraphAdapter`` over msal + httpx, plus a loopback Graph emulator.

Microsoft 365 mailboxes are reached through Graph (Exchange Online refuses EWS to third-party apps from
October 2026); see docs/graph.md.
"""

from __future__ import annotations

from .adapter import GraphAdapter as GraphAdapter
from .options import GraphOptions as GraphOptions

__all__ = ["GraphAdapter", "GraphOptions"]
