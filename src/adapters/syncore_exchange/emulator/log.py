"""The emulator's request log (``emu.requests``, ``emu.count(op, **filters)``): the shared harness log with
EWS details on each record."""

from __future__ import annotations

from dataclasses import dataclass, field

from syncore.testing.emulation import RequestLog
from syncore.testing.emulation import RequestRecord as SharedRecord

__all__ = ["RequestLog", "RequestRecord"]


@dataclass
class RequestRecord(SharedRecord):
    """One request as the emulator saw it (the shared fields, plus):

    ``mailbox`` the target mailbox, ``folder`` the distinguished folder name when the request names one,
    ``item_count`` the number of items/ids/changes in the request, ``returned`` the number of items/changes in
    the reply, ``attrs`` the operation's XML attributes (ConflictResolution, DeleteType ...) plus extras
    (MaxChangesReturned ...). ``status`` is None when the connection was closed without an answer; ``fault``
    names the injected fault (``"drop"``, ``"lose"``, ``"status:503"``, ``"http:429"``,
    ``"soap:ErrorServerBusy"``, ``"message:…"``, ``"item:…"``).
    """

    mailbox: str | None = None
    folder: str | None = None
    item_count: int = 0
    returned: int = 0
    attrs: dict[str, str] = field(default_factory=dict)
    request_xml: bytes | None = None  # only with EwsEmulator(record_xml=True)
    response_xml: bytes | None = None
