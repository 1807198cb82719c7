"""Which records are this adapter's: the scope every read applies, change feed and lookups alike.

``scope="owner"`` limits reads to records owned by one user (``OwnerId``; by default the running user, read
once from the identity URL); ``extra_filter`` is a SOQL condition ANDed to every read. A record outside the
scope does not exist for the adapter: a link or id naming it finds nothing (issue 11 item 4: a link is a claim
to verify, and another user's event must not be paired with and overwritten).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

from simple_salesforce import format_soql

from syncore.errors import AdapterError, ConfigurationError

from ._transport import Transport
from .converter import to18

#: values per ``IN (...)`` query, to keep the SOQL (sent in the URL) well below URL length limits
IN_QUERY_CHUNK = 200


class Scope:
    """The scope settings and the reads limited to them."""

    def __init__(self, transport: Transport, *, scope: str, owner_id: str | None, extra_filter: str | None,
                 link_field: str | None) -> None:
        if scope not in ("owner", "all"):
            raise ConfigurationError(f"scope: expected 'owner' or 'all', got {scope!r}", key="scope", value=scope)
        self.transport = transport
        self.scope = scope
        self.extra_filter = extra_filter
        self.link_field = link_field
        self._owner_id = to18(owner_id) if owner_id else None

    @property
    def owner_id(self) -> str:
        """The user whose records are in scope: given, or the running user (one call, then cached)."""
        if self._owner_id is None:
            resources = self.transport.call("identity lookup", lambda sf: sf.restful("")) or {}
            identity = str(resources.get("identity") or "")
            try:
                self._owner_id = to18(identity.rstrip("/").rsplit("/", 1)[-1])
            except ValueError:
                raise AdapterError("Salesforce did not say who the running user is; pass owner_id=") from None
        return self._owner_id

    def condition(self) -> tuple[str, str]:
        """The SOQL condition of every read, and a key that changes when the scope does (for cursors)."""
        parts = []
        if self.scope == "owner":
            parts.append(format_soql("OwnerId = {}", self.owner_id))
        if self.extra_filter:
            # Trusted configuration, not record data: sent as written (see SalesforceAdapter's docstring).
            parts.append(f"({self.extra_filter})")
        condition = " AND ".join(parts)
        key = hashlib.sha256(json.dumps([self.scope, condition, self.link_field]).encode()).hexdigest()[:16]
        return condition, key

    def owns(self, row: dict[str, Any]) -> bool:
        """In scope by owner (the feed's ``OwnerId`` condition, checked on a row read otherwise)."""
        if self.scope != "owner":
            return True
        try:
            return to18(str(row.get("OwnerId") or "")) == self.owner_id
        except ValueError:
            return False

    def query(self, sobject: str, select: Sequence[str], field: str, values: list[str],
              what: str) -> Iterator[dict[str, Any]]:
        """Rows of ``sobject`` whose ``field`` is one of ``values`` and that meet :meth:`condition`."""
        condition, _ = self.condition()
        for start in range(0, len(values), IN_QUERY_CHUNK):
            soql = format_soql(f"SELECT {', '.join(select)} FROM {sobject} WHERE {field} IN {{}}",
                               values[start : start + IN_QUERY_CHUNK])
            if condition:
                # appended after quoting: extra_filter may hold braces format_soql would take for placeholders
                soql += f" AND {condition}"
            yield from self.transport.query_pages(soql, include_deleted=False, what=f"{sobject} {what}")
