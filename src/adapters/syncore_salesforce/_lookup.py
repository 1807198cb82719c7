"""Records read by id or by link, limited to the adapter's scope (split out of the adapter).

:meth:`Lookup.by_id` is the read behind ``fetch`` and behind the check before each update batch
(:mod:`._conditional`): both must map a row into the same version the change feed gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from syncore.models import Kind
from syncore.remote import RemoteRecord

from . import _collections
from ._collections import MAX_RETRIEVE_IDS
from ._mapping import Mapping as KindMapping
from ._rows import RowMapper
from ._scope import Scope
from ._transport import Transport
from .converter import to18


class Lookup:
    """Reads of named records: by id (collections retrieve, or a query when a filter or related field needs one)
    and by the link field."""

    def __init__(self, transport: Transport, scope: Scope, rows: RowMapper, mappings: Mapping[Kind, KindMapping],
                 select: Callable[[KindMapping], tuple[str, ...]], link_field: str | None) -> None:
        self.transport = transport
        self.scope = scope
        self.rows = rows
        self.mappings = mappings
        self.select = select
        self.link_field = link_field

    def by_id(self, kind: Kind, ids: Sequence[str]) -> dict[str, RemoteRecord]:
        """Records by id (keys as given; ids must be this kind's), **only those in scope**: an id of another
        user's record (scope ``owner``) or of a record outside ``extra_filter`` is not found.

        Without ``extra_filter`` the rows come from the collections retrieve (2,000 ids per call) and the owner
        is checked here; with it, a query applies the same condition as the change feed (200 ids per call).
        """
        mapping = self.mappings[kind]
        wanted = {to18(i): i for i in ids}
        keys = list(wanted)
        if self.scope.extra_filter or any("." in name for name in mapping.select):
            # (the collections retrieve takes the object's own fields only, not Account.Name)
            rows: Iterable[dict[str, Any] | None] = self.scope.query(mapping.sobject, self.select(mapping), "Id",
                                                                      keys, "fetch")
        else:
            rows = (row for start in range(0, len(keys), MAX_RETRIEVE_IDS)
                    for row in _collections.retrieve(self.transport, mapping.sobject,
                                                     keys[start : start + MAX_RETRIEVE_IDS], self.select(mapping)))
        found: dict[str, RemoteRecord] = {}
        owned = [row for row in rows if row is not None and self.scope.owns(row)]
        for item in self.rows.map_rows(kind, owned):
            if to18(item.id) in wanted:
                found[wanted[to18(item.id)]] = item
        return found

    def by_link(self, kind: Kind, links: Collection[str]) -> dict[str, RemoteRecord]:
        """Records in scope whose ``link_field`` holds one of ``links`` (case-insensitive, like Salesforce)."""
        if self.link_field is None or not links:
            return {}
        mapping = self.mappings[kind]
        # External id matching is case-insensitive in Salesforce (reference §3.6).
        by_key = {link.lower(): link for link in links}
        found: dict[str, RemoteRecord] = {}
        rows = [row for row in self.scope.query(mapping.sobject, self.select(mapping), self.link_field,
                                                list(by_key.values()), "link lookup") if self.scope.owns(row)]
        for item in self.rows.map_rows(kind, rows):
            link = by_key.get(str(item.link or "").lower())
            if link is not None:
                found[link] = item
        return found
