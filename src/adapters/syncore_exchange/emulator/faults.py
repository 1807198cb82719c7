"""Fault injection (``emu.faults``): the shared harness faults plus EWS's own failures.

Shared with every emulator (:class:`syncore.testing.emulation.Faults`): ``drop_connections`` (close unprocessed),
``lose_replies`` (process, then close without an answer), ``server_error`` (an HTTP 5xx that is not an EWS
answer) and ``latency``, each with ``n`` (how many requests; ``None``: every one until :meth:`clear`) and
``op`` (one SOAP operation, e.g. ``"CreateItem"``).

EWS's own: ``server_busy`` (ErrorServerBusy as a SOAP fault or inside each response message, with
BackOffMilliseconds), ``soap_fault`` (any code), ``message_error`` (every response message fails with a
code), ``http_error`` (any HTTP status, e.g. 429 or 401, optionally with Retry-After) and ``item_error``
(per-item errors for matching items, the other items of the request succeed).
"""

from __future__ import annotations

from collections.abc import Callable

from syncore.testing.emulation import Fault
from syncore.testing.emulation import Faults as SharedFaults

#: the kinds answered instead of (or, for "lose", after) processing, in arming order
REQUEST_KINDS = ("drop", "lose", "status", "http", "soap", "message")

__all__ = ["REQUEST_KINDS", "Fault", "Faults"]


class Faults(SharedFaults):
    """The EWS emulator's faults; every arming method returns the :class:`Fault` it registered."""

    def server_busy(
        self, back_off_ms: int | None = 10, n: int | None = 1, op: str | None = None, in_message: bool = False
    ) -> Fault:
        """ErrorServerBusy as a SOAP fault (HTTP 500), or with ``in_message`` in each response message."""
        kind = "message" if in_message else "soap"
        return self.add(Fault(kind, op, n, params={"code": "ErrorServerBusy", "back_off_ms": back_off_ms}))

    def soap_fault(
        self, code: str, text: str | None = None, n: int | None = 1, op: str | None = None,
        back_off_ms: int | None = None,
    ) -> Fault:
        """Any SOAP fault code, e.g. ``ErrorInternalServerTransientError`` or ``ErrorTimeoutExpired``."""
        return self.add(Fault("soap", op, n, params={"code": code, "text": text, "back_off_ms": back_off_ms}))

    def message_error(self, code: str, text: str | None = None, n: int | None = 1, op: str | None = None) -> Fault:
        """Answer the whole request with one error ResponseMessage per expected message."""
        return self.add(Fault("message", op, n, params={"code": code, "text": text}))

    def http_error(
        self, status: int, retry_after: int | None = None, n: int | None = 1, op: str | None = None,
        body: bytes = b"", headers: dict[str, str] | None = None,
    ) -> Fault:
        """A bare HTTP status (429, 401, 302 ...; 5xx too), optionally with ``Retry-After`` seconds."""
        hdrs = dict(headers or {})
        if retry_after is not None:
            hdrs["Retry-After"] = str(retry_after)
        return self.add(Fault("http", op, n, status=status, headers=hdrs, body=body))

    def item_error(
        self, code: str, item_ids=None, subjects=None, match: Callable | None = None, op: str | None = None,
        n: int | None = None, text: str | None = None,
    ) -> Fault:
        """Per-item error for matching items (by id, by Subject/DisplayName, or ``match(item_id, subject)``).

        Applies to GetItem, CreateItem, UpdateItem and DeleteItem; other items in the same request succeed.
        """
        params = {
            "code": code, "text": text, "match": match,
            "item_ids": None if item_ids is None else frozenset(item_ids),
            "subjects": None if subjects is None else frozenset(subjects),
        }
        return self.add(Fault("item", op, n, params=params))

    def take_item_error(self, op: str, item_id: str | None, subject: str | None) -> Fault | None:
        """Consume and return a per-item fault matching this item, if any."""
        return self.take(op, ("item",), lambda fault: _matches_item(fault, item_id, subject))


def _matches_item(fault: Fault, item_id: str | None, subject: str | None) -> bool:
    ids, subjects, match = fault.params["item_ids"], fault.params["subjects"], fault.params["match"]
    if ids is not None and item_id not in ids:
        return False
    if subjects is not None and subject not in subjects:
        return False
    return match is None or bool(match(item_id, subject))
