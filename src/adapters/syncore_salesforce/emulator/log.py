"""The request log tests use to pin wire calls and count API requests (reference §7.6).

It is the shared vocabulary of :mod:`syncore.testing.emulation`: ``emu.requests``, ``emu.count(op, **filters)``
(``emu.count("query", sobject="Event")``, ``emu.count(counted=True)``,
``emu.count(path=lambda p: "composite" in p)``) and ``emu.reset_log()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from syncore.testing.emulation import RequestRecord

# Headers worth asserting on; everything else is dropped from the log.
LOGGED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Sforce-Query-Options",
    "SOAPAction",
    "Sforce-Call-Options",
    "Transfer-Encoding",
)


@dataclass
class RequestLogEntry(RequestRecord):
    """One HTTP request as the emulator received it.

    ``operation`` classifies the call: ``login``, ``oauth``, ``identity``, ``query``, ``queryAll``,
    ``query_more``, ``sobject_create``, ``sobject_get``, ``sobject_update``, ``sobject_delete``, ``upsert``,
    ``get_by_external_id``, ``delete_by_external_id``, ``describe``, ``describe_global``, ``updated``,
    ``deleted``, ``limits``, ``composite``, ``composite_create``, ``composite_update``, ``composite_delete``,
    ``composite_upsert``, ``composite_retrieve``, ``versions``, ``resources``, ``sobject_info`` or ``unknown``.
    ``user`` is the authenticated user's id, ``codes`` the ``errorCode``s answered, ``time`` the emulator's
    clock at arrival.
    """

    query: dict[str, str] = field(default_factory=dict)  # decoded query-string parameters (first values)
    q: str | None = None  # decoded SOQL for query/queryAll, else None
    headers: dict[str, str] = field(default_factory=dict)  # LOGGED_HEADERS present; Authorization redacted
    body_size: int = 0
    counted: bool = False  # True when the call counted against the daily API limit
    sobject: str | None = None  # sObject named in the path or the SOQL FROM clause
    #: a Composite request's subrequests, in order: ``{"operation", "sobject", "q", "status"}`` each (they are
    #: not requests of their own: "The entire series of requests counts as a single call toward your API limits")
    subrequests: list[dict[str, object]] = field(default_factory=list)


def redact(name: str, value: str) -> str:
    """Keep the scheme of an Authorization header, hide the token."""
    if name.lower() == "authorization":
        scheme = value.split(" ", 1)[0] if " " in value else ""
        return f"{scheme} <redacted>".strip()
    return value
