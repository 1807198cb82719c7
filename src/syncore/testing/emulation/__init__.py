"""The harness every emulator is built on: a loopback HTTP server, one request log, one fault object.

- :class:`LoopbackServer` serves an emulator's ``app(HttpRequest) -> HttpReply | None`` on ``127.0.0.1``
  (HTTP/1.1 keep-alive, ``Content-Length`` and chunked request bodies, ``TCP_NODELAY``, optional TLS).
- :class:`RequestRecord` / :class:`RequestLog` / :class:`RequestLogAccess`: ``emu.requests``,
  ``emu.count(op, **filters)``, ``emu.reset_log()``.
- :class:`Faults`: ``drop_connections``, ``lose_replies``, ``server_error``, ``latency`` (each with ``n`` and
  ``op``), applied by :meth:`Faults.serve`.

Only the standard library is used, so an emulator needs nothing beyond its adapter's own dependencies.
"""

from __future__ import annotations

from .faults import REQUEST_KINDS as REQUEST_KINDS
from .faults import Fault as Fault
from .faults import Faults as Faults
from .log import RequestLog as RequestLog
from .log import RequestLogAccess as RequestLogAccess
from .log import RequestRecord as RequestRecord
from .server import BadFraming as BadFraming
from .server import HttpReply as HttpReply
from .server import HttpRequest as HttpRequest
from .server import LoopbackServer as LoopbackServer

__all__ = [
    "REQUEST_KINDS",
    "BadFraming",
    "Fault",
    "Faults",
    "HttpReply",
    "HttpRequest",
    "LoopbackServer",
    "RequestLog",
    "RequestLogAccess",
    "RequestRecord",
]
