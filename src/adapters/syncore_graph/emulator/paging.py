"""Collections in pages: ``@odata.nextLink`` for lists, and delta rounds ending in ``@odata.deltaLink``.

* Page size: ``Prefer: odata.maxpagesize=N`` (https://learn.microsoft.com/en-us/graph/paging); the answer
  carries ``Preference-Applied``. Without it a page holds 10 items (the documented default of the Outlook list
  APIs); the emulator caps a preference at 1,000 (a guess at the service's cap).
* Delta (https://learn.microsoft.com/en-us/graph/delta-query-overview): the first request lists everything in
  scope; each page but the last carries ``@odata.nextLink`` (a ``$skiptoken``), the last
  ``@odata.deltaLink`` (a ``$deltatoken``), whose next use lists what changed since that round started. Deleted
  items come as ``{"id", "@removed": {"reason": "deleted"}}``. Tokens are opaque and kept by the server; an
  expired or unknown one answers 410 ``syncStateNotFound`` ("a 40X-series error with error codes such as
  syncStateNotFound").
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .common import Ctx
from .errors import GraphError
from .odata import select

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000

#: one entry of a page: its id (or its (REST, immutable) ids) and a renderer called when the page is served,
#: which returns None for a removed item
Entry = tuple[Any, Callable[[Ctx], dict[str, Any] | None]]


@dataclass
class DeltaState:
    """What a ``$deltatoken`` stands for: the scope and the change-log position its round started at."""

    scope: tuple
    watermark: int
    #: the query options of the round's first request ("encoded into the token", event-delta)
    query: Any = None


@dataclass
class PageState:
    """A listing being paged (and the delta state to hand out at its end). A ``$skiptoken`` names a position in
    one; tokens can be used again (a client retrying a page whose answer was lost gets the same page)."""

    entries: list[Entry]
    path: str
    delta: DeltaState | None = None
    query: Any = None


@dataclass
class Tokens:
    """Server-side state behind the opaque tokens of one emulator."""

    skip: dict[str, tuple[PageState, int]] = field(default_factory=dict)
    delta: dict[str, DeltaState] = field(default_factory=dict)

    def expire(self) -> None:
        self.skip.clear()
        self.delta.clear()


def sync_state_not_found() -> GraphError:
    return GraphError(410, "syncStateNotFound", "The sync state generation is not found or is expired.")


def page_size(ctx: Ctx) -> int:
    return min(ctx.prefer.max_page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def removed(ids: str | tuple[str, str]) -> Entry:
    """An ``@removed`` entry; ``ids`` is one id or the (REST, immutable) pair, shown as the client prefers."""
    return ids, lambda ctx: None


def serve(ctx: Ctx, tokens: Tokens, state: PageState, offset: int = 0, *, size: int | None = None) -> dict[str, Any]:
    """The page of ``state`` at ``offset``; stores the follow-up token (nextLink) or the delta token (deltaLink)."""
    size = size or page_size(ctx)
    if state.query is None:
        state.query = ctx.query
    ctx.query = state.query
    chunk = state.entries[offset : offset + size]
    values = []
    for ids, render in chunk:
        rendered = render(ctx)
        if rendered is None:
            item_id = ids if isinstance(ids, str) else ids[1 if ctx.immutable else 0]
            rendered = {"id": item_id, "@removed": {"reason": "deleted"}}
        else:
            rendered = select(rendered, ctx.query.select)
        values.append(rendered)
    offset += len(chunk)
    url = f"{ctx.base_url}/v1.0{state.path}"
    answer: dict[str, Any] = {"@odata.context": f"{ctx.base_url}/v1.0/$metadata#Collection", "value": values}
    if offset < len(state.entries):
        token = secrets.token_urlsafe(24)
        tokens.skip[token] = (state, offset)
        answer["@odata.nextLink"] = f"{url}?$skiptoken={token}"
    elif state.delta is not None:
        token = secrets.token_urlsafe(24)
        tokens.delta[token] = state.delta
        answer["@odata.deltaLink"] = f"{url}?$deltatoken={token}"
    return answer


def continuation(tokens: Tokens, params: dict[str, str]) -> tuple[PageState, int] | DeltaState | None:
    """The state a ``$skiptoken`` / ``$deltatoken`` names; 410 syncStateNotFound for an unknown one."""
    skip, delta = params.get("$skiptoken"), params.get("$deltatoken")
    if skip is not None:
        found_page = tokens.skip.get(skip)
        if found_page is None:
            raise sync_state_not_found()
        return found_page
    if delta is not None:
        found = tokens.delta.get(delta)
        if found is None:
            raise sync_state_not_found()
        return found
    return None
