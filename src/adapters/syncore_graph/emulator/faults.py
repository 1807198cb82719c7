"""Graph's own faults on top of the shared ones (drop_connections, lose_replies, server_error, latency).

* :meth:`GraphFaults.throttle`: 429 Too Many Requests with ``Retry-After``, for whole requests or (``in_batch``)
  for single sub-requests inside a ``$batch`` answered 200
  (https://learn.microsoft.com/en-us/graph/throttling, https://learn.microsoft.com/en-us/graph/json-batching);
* :meth:`GraphFaults.server_error_in_batch`: a 5xx for one sub-request;
* :meth:`GraphFaults.delta_reset`: 410 Gone with a ``Location`` header naming a fresh initial delta request
  ("Synchronization reset", https://learn.microsoft.com/en-us/graph/delta-query-overview);
* :meth:`GraphFaults.sync_state_not_found`: the expired-token answer of a delta request;
* :meth:`GraphFaults.expired_token`: 401 InvalidAuthenticationToken although the token was valid.
"""

from __future__ import annotations

from syncore.testing.emulation import Fault, Faults


class GraphFaults(Faults):
    def throttle(self, n: int | None = 1, op: str | None = None, *, retry_after: float = 1,
                 in_batch: bool = False, status: int = 429) -> Fault:
        """Answer the next ``n`` requests (sub-requests with ``in_batch``) of ``op`` with ``status`` and
        ``Retry-After: retry_after`` (429, or 503 which Graph also sends with Retry-After)."""
        kind = "throttle_sub" if in_batch else "throttle"
        return self.add(Fault(kind, op, n, status=status, headers={"Retry-After": _seconds(retry_after)}))

    def server_error_in_batch(self, n: int | None = 1, op: str | None = None, *, status: int = 503) -> Fault:
        """Answer ``status`` (5xx) for the next ``n`` sub-requests of ``op`` inside a ``$batch``, unprocessed."""
        return self.add(Fault("status_sub", op, n, status=status))

    def lose_in_batch(self, n: int | None = 1, op: str | None = None) -> Fault:
        """Process the next ``n`` sub-requests of ``op`` and then close the connection of their ``$batch``."""
        return self.add(Fault("lose_sub", op, n))

    def delta_reset(self, n: int | None = 1, op: str | None = None) -> Fault:
        """Answer the next ``n`` delta requests with 410 Gone and a Location for a new initial round."""
        return self.add(Fault("gone", op, n, status=410))

    def sync_state_not_found(self, n: int | None = 1, op: str | None = None) -> Fault:
        """Answer the next ``n`` delta requests with 410 ``syncStateNotFound`` (an expired delta token)."""
        return self.add(Fault("sync_state", op, n, status=410))

    def reject_items(self, match, n: int | None = None, op: str | None = None, *, status: int = 400,
                     code: str = "ErrorInvalidRequest", message: str = "The request is invalid (injected).") -> Fault:
        """Refuse writes (POST/PATCH, sub-requests included) of items that ``match(properties)`` selects, as a
        validation rule would: ``properties`` are the item's as the write would leave them (a PATCH's body over
        the stored item). The answer is a Graph error of ``status`` / ``code``; other requests are untouched."""
        return self.add(Fault("reject", op, n, status=status, params={"match": match, "code": code,
                                                                      "message": message}))

    def expired_token(self, n: int | None = 1, op: str | None = None) -> Fault:
        """Refuse the next ``n`` requests with 401 as for an expired access token."""
        return self.add(Fault("auth", op, n, status=401))


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
