"""The Graph emulator's request record: the shared fields plus what Graph tests filter on."""

from __future__ import annotations

from dataclasses import dataclass, field

from syncore.testing.emulation import RequestRecord


@dataclass
class GraphRequestRecord(RequestRecord):
    """One HTTP request (``emu.requests``) or one ``$batch`` sub-request (``emu.subrequests``).

    ``mailbox``: the addressed user's UPN; ``query``: decoded query parameters; ``prefer``: the ``Prefer``
    header values; ``batch_size``: how many sub-requests a ``$batch`` held; ``headers``: the request headers
    tests look at (never ``Authorization``); ``body``: a Graph request's JSON body (never an identity
    platform form, which holds secrets).
    """

    mailbox: str | None = None
    query: dict[str, str] = field(default_factory=dict)
    prefer: list[str] = field(default_factory=list)
    batch_size: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: object = None


#: request headers kept on the record
LOGGED_HEADERS = ("prefer", "if-match", "content-type", "client-request-id", "user-agent")
