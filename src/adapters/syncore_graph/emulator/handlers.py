"""Routing of mailbox paths (after ``/me`` or ``/users/{upn}``) to handlers, with the operation names the
request log and the faults use.

=======================================================  =====================  ===============================
path                                                     methods                operations
=======================================================  =====================  ===============================
``events``, ``calendar/events``                          GET, POST              event_list, event_create
``events/{id}``                                          GET, PATCH, DELETE     event_get/_update/_delete
``events/{id}/instances``                                GET                    event_instances
``calendarView``                                         GET                    calendar_view
``calendarView/delta``                                   GET                    event_delta
``contacts``, ``contactFolders/{f}/contacts``            GET, POST              contact_list, contact_create
``contacts/{id}``, ``contactFolders/{f}/contacts/{id}``  GET, PATCH, DELETE     contact_get/_update/_delete
``contactFolders/{f}/contacts/delta``                    GET                    contact_delta
``contactFolders/{f}``                                   GET                    contact_folder
``todo/lists``                                           GET                    todo_lists
``todo/lists/{l}/tasks``                                 GET, POST              task_list, task_create
``todo/lists/{l}/tasks/{id}``                            GET, PATCH, DELETE     task_get/_update/_delete
``todo/lists/{l}/tasks/{id}/linkedResources``            GET, POST              task_links, task_link_create
``todo/lists/{l}/tasks/delta``                           GET                    task_delta
``translateExchangeIds``                                 POST                   translate_ids
(the mailbox itself)                                     GET                    user
=======================================================  =====================  ===============================
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from . import contacts, events, todo
from .common import Ctx
from .errors import GraphError, malformed_id, not_found
from .ids import well_formed
from .mailbox import Item
from .odata import parse_query, select
from .paging import DeltaState, PageState, Tokens, continuation, removed, serve
from .times import parse_query_instant
from .translate import translate

Handler = Callable[[Ctx, Tokens], tuple[int, Any]]
_LIST_OPTIONS = {"$filter", "$expand", "$top", "$select"}


def route(method: str, parts: list[str]) -> tuple[str, Handler]:
    """The operation name and handler of a mailbox path; 404/405 errors as Graph gives them."""
    n = len(parts)
    if n == 0:
        return _only(method, "GET", "user", _user)
    head = parts[0]
    if head == "calendar" and n >= 2 and parts[1] == "events":
        return route(method, parts[1:])
    if head == "events":
        if n == 1:
            return ("event_list", _event_list) if method == "GET" else _only(method, "POST", "event_create", _create(events.create))
        if n == 2:
            return _item_ops(method, "event", parts[1])
        if n == 3 and parts[2] == "instances":
            return _only(method, "GET", "event_instances", lambda c, t: _instances(c, t, parts[1]))
    if head == "calendarView":
        if n == 1:
            return _only(method, "GET", "calendar_view", _calendar_view)
        if n == 2 and parts[1] == "delta":
            return _only(method, "GET", "event_delta", _event_delta)
    if head == "contactFolders" and n >= 2:
        if n == 2:
            return _only(method, "GET", "contact_folder", lambda c, t: _contact_folder(c, parts[1]))
        if parts[2] == "contacts":
            if n == 4 and parts[3] == "delta":
                return _only(method, "GET", "contact_delta", lambda c, t: _contact_delta(c, t, parts[1]))
            op, handler = route(method, parts[2:])
            folder = parts[1]
            # the folder must exist (the well-known name "contacts" names the default folder)
            return op, lambda c, t: (_contact_folder_id(c, folder), handler(c, t))[1]
    if head == "contacts":
        if n == 1:
            return ("contact_list", _contact_list) if method == "GET" else _only(method, "POST", "contact_create", _create(contacts.create))
        if n == 2:
            return _item_ops(method, "contact", parts[1])
    if head == "todo" and n >= 2 and parts[1] == "lists":
        return _todo(method, parts[2:])
    if head == "translateExchangeIds" and n == 1:
        return _only(method, "POST", "translate_ids", lambda c, t: (200, translate(c)))
    return _not_found_route()


def _not_found_route() -> tuple[str, Handler]:
    def handler(ctx: Ctx, tokens: Tokens) -> tuple[int, Any]:
        raise GraphError(400, "BadRequest", "Resource not found for the segment.")

    return "unknown", handler


def _only(method: str, allowed: str, op: str, handler: Handler) -> tuple[str, Handler]:
    if method != allowed:
        def refuse(ctx: Ctx, tokens: Tokens) -> tuple[int, Any]:
            raise GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")

        return op, refuse
    return op, handler


def _create(create: Callable[[Ctx], tuple[int, Any]]) -> Handler:
    return lambda ctx, tokens: create(ctx)


# -- single items -----------------------------------------------------------------------------------------
def _lookup(ctx: Ctx, kind: str, item_id: str) -> Any:
    if not well_formed(item_id):
        raise malformed_id()
    target = events.find(ctx.mailbox, item_id) if kind == "event" else ctx.mailbox.resolve(item_id)
    if target is None or (isinstance(target, Item) and target.kind != kind):
        raise not_found()
    return target


def _item_ops(method: str, kind: str, item_id: str) -> tuple[str, Handler]:
    module = {"event": events, "contact": contacts, "task": todo}[kind]

    def get(ctx: Ctx, tokens: Tokens) -> tuple[int, Any]:
        ctx.query = parse_query(ctx.params, allow={"$select", "$expand"})
        target = _lookup(ctx, kind, item_id)
        if isinstance(target, events.Occurrence):
            return 200, select(events.render(ctx, target.master, target.start), ctx.query.select)
        return 200, select(module.render(ctx, target), ctx.query.select)

    def patch(ctx: Ctx, tokens: Tokens) -> tuple[int, Any]:
        return module.update(ctx, _lookup(ctx, kind, item_id))

    def delete(ctx: Ctx, tokens: Tokens) -> tuple[int, Any]:
        target = _lookup(ctx, kind, item_id)
        if kind == "event":
            return events.delete(ctx, target), None
        events.check_if_match(ctx, target)
        ctx.mailbox.remove(target)
        return 204, None

    handlers = {"GET": get, "PATCH": patch, "DELETE": delete}
    if method not in handlers:
        return _only(method, "GET", f"{kind}_get", get)
    return f"{kind}_{ {'GET': 'get', 'PATCH': 'update', 'DELETE': 'delete'}[method]}", handlers[method]


# -- collections ------------------------------------------------------------------------------------------
def _listing(ctx: Ctx, tokens: Tokens, path: str, entries: Callable[[], list]) -> tuple[int, Any]:
    resumed = continuation(tokens, ctx.params)
    if isinstance(resumed, tuple):
        state, offset = resumed
        return 200, serve(ctx, tokens, state, offset, size=ctx.query.top)
    return 200, serve(ctx, tokens, PageState(entries(), path), size=ctx.query.top)


def _event_list(ctx: Ctx, tokens: Tokens) -> tuple[int, Any]:
    ctx.query = parse_query(ctx.params, allow=_LIST_OPTIONS)
    from .common import matches_link_filter

    def entries() -> list:
        found = [i for i in ctx.mailbox.live("event") if i.master is None and matches_link_filter(i, ctx)]
        return [(i.immutable_id, lambda c, i=i: events.render(c, i)) for i in found]

    return _listing(ctx, tokens, f"{ctx.root}/events", entries)


def _window(ctx: Ctx) -> tuple[datetime, datetime]:
    start = parse_query_instant(ctx.params.get("startDateTime") or ctx.params.get("startdatetime"), "startDateTime")
    end = parse_query_instant(ctx.params.get("endDateTime") or ctx.params.get("enddatetime"), "endDateTime")
    return start, end


def _view_entries(ctx: Ctx, shown: list) -> list:
    return [(key, (lambda c, item=item, occ=occ: events.render(c, item, occ))) for key, item, occ in shown]


def _calendar_view(ctx: Ctx, tokens: Tokens) -> tuple[int, Any]:
    ctx.query = parse_query(ctx.params, allow=_LIST_OPTIONS)
    if "$skiptoken" in ctx.params:
        return _listing(ctx, tokens, "", list)
    start, end = _window(ctx)
    return _listing(ctx, tokens, f"{ctx.root}/calendarView", lambda: _view_entries(ctx, events.view(ctx, start, end)))


def _instances(ctx: Ctx, tokens: Tokens, master_id: str) -> tuple[int, Any]:
    ctx.query = parse_query(ctx.params, allow={"$select", "$top", "$expand"})
    if "$skiptoken" in ctx.params:
        return _listing(ctx, tokens, "", list)
    master = _lookup(ctx, "event", master_id)
    start, end = _window(ctx)
    if not isinstance(master, Item) or events.event_type(master) != "seriesMaster":
        return 200, {"value": []}
    return _listing(ctx, tokens, f"{ctx.root}/events/{master_id}/instances",
                    lambda: _view_entries(ctx, events.series_in_window(ctx, master, start, end)))


def _delta(ctx: Ctx, tokens: Tokens, path: str, scope: tuple, current: Callable[[], list],
           since: Callable[[int], list]) -> tuple[int, Any]:
    resumed = continuation(tokens, ctx.params)
    if isinstance(resumed, tuple):
        state, offset = resumed
        return 200, serve(ctx, tokens, state, offset)
    watermark = ctx.mailbox.last_seq
    if isinstance(resumed, DeltaState):
        if resumed.scope != scope:
            raise GraphError(410, "syncStateNotFound", "The sync state generation is not found or is expired.")
        if resumed.query is not None:
            ctx.query = resumed.query
        entries = since(resumed.watermark)
        return 200, serve(ctx, tokens, PageState(entries, path, DeltaState(resumed.scope, watermark, ctx.query)))
    return 200, serve(ctx, tokens, PageState(current(), path, DeltaState(scope, watermark, ctx.query)))


def _event_delta(ctx: Ctx, tokens: Tokens) -> tuple[int, Any]:
    # $select, $expand, $filter, $orderby and $search are not supported on a calendarView delta (event-delta)
    ctx.query = parse_query(ctx.params, allow=set())
    resumed_state = None
    if "$deltatoken" in ctx.params or "$skiptoken" in ctx.params:
        resumed = continuation(tokens, ctx.params)
        if isinstance(resumed, DeltaState):
            resumed_state = resumed
            start, end = resumed.scope[1], resumed.scope[2]
        else:
            start = end = None  # type: ignore[assignment]
    else:
        start, end = _window(ctx)
    path = f"{ctx.root}/calendarView/delta"

    def current() -> list:
        return _view_entries(ctx, events.view(ctx, start, end))

    def since(watermark: int) -> list:
        entries: dict[str, Any] = {}
        # what a changed series shows now wins over its items' own changes (an exception dropped by a new
        # pattern is its occurrence again, under the same id)
        in_series: dict[str, Any] = {}
        visible = {key: (item, occ) for key, item, occ in events.view(ctx, start, end)}
        for item in ctx.mailbox.items.values():
            if item.kind != "event" or item.seq <= watermark:
                continue
            if events.event_type(item) == "seriesMaster" or (item.deleted and item.data.get("recurrence")):
                for key, shown_item, occ in events.series_in_window(ctx, item, start, end):
                    pair = (shown_item.rest_id, shown_item.immutable_id) if occ is None else \
                        events.occurrence_ids(item, occ)
                    in_series[key] = (pair, (lambda c, i=shown_item, o=occ: events.render(c, i, o))
                                      if not item.deleted else removed(pair)[1])
                for cancelled in item.cancelled:
                    pair = events.occurrence_ids(item, cancelled)
                    in_series.setdefault(pair[1], removed(pair))
                continue
            pair = (item.rest_id, item.immutable_id)
            if item.immutable_id in visible and not item.deleted:
                entries[item.immutable_id] = (pair, lambda c, i=item: events.render(c, i))
            else:
                # deleted, or outside the window: "@removed" either way (event-delta, Response)
                entries[item.immutable_id] = removed(pair)
        entries.update(in_series)
        return list(entries.values())

    if resumed_state is not None:
        return _delta_from(ctx, tokens, path, resumed_state, since)
    return _delta(ctx, tokens, path, ("event", start, end), current, since)


def _delta_from(ctx: Ctx, tokens: Tokens, path: str, state: DeltaState, since: Callable[[int], list]) -> tuple[int, Any]:
    watermark = ctx.mailbox.last_seq
    return 200, serve(ctx, tokens, PageState(since(state.watermark), path,
                                             DeltaState(state.scope, watermark, ctx.query)))


def _contact_folder_id(ctx: Ctx, folder: str) -> str:
    if folder.lower() == "contacts" or folder == ctx.mailbox.contact_folder_id:
        return ctx.mailbox.contact_folder_id
    raise not_found()


def _contact_folder(ctx: Ctx, folder: str) -> tuple[int, Any]:
    folder_id = _contact_folder_id(ctx, folder)
    return 200, {"id": folder_id, "displayName": "Contacts", "parentFolderId": None}


def _contact_list(ctx: Ctx, tokens: Tokens) -> tuple[int, Any]:
    ctx.query = parse_query(ctx.params, allow=_LIST_OPTIONS)
    from .common import matches_link_filter

    def entries() -> list:
        found = [i for i in ctx.mailbox.live("contact") if matches_link_filter(i, ctx)]
        return [(i.immutable_id, lambda c, i=i: contacts.render(c, i)) for i in found]

    return _listing(ctx, tokens, f"{ctx.root}/contacts", entries)


def _simple_delta(ctx: Ctx, tokens: Tokens, kind: str, container: str, path: str,
                  render: Callable[[Ctx, Item], Any]) -> tuple[int, Any]:
    def current() -> list:
        return [(i.immutable_id, lambda c, i=i: render(c, i)) for i in ctx.mailbox.live(kind, container)]

    def since(watermark: int) -> list:
        changed = [i for i in ctx.mailbox.items.values()
                   if i.kind == kind and i.container == container and i.seq > watermark]
        return [((i.rest_id, i.rest_id if kind == "task" else i.immutable_id),
                 (lambda c, i=i: render(c, i)) if not i.deleted else (lambda c: None)) for i in changed]

    return _delta(ctx, tokens, path, (kind, container), current, since)


def _contact_delta(ctx: Ctx, tokens: Tokens, folder: str) -> tuple[int, Any]:
    ctx.query = parse_query(ctx.params, allow={"$select"})
    folder_id = _contact_folder_id(ctx, folder)
    return _simple_delta(ctx, tokens, "contact", folder_id, f"{ctx.root}/contactFolders/{folder}/contacts/delta",
                         contacts.render)


def _todo(method: str, parts: list[str]) -> tuple[str, Handler]:
    n = len(parts)
    if n == 0:
        return _only(method, "GET", "todo_lists", lambda c, t: (200, {"value": [
            todo.render_list(tl) for tl in c.mailbox.task_lists.values()]}))
    list_id = parts[0]

    def task_list(ctx: Ctx) -> Any:
        found = todo.find_list(ctx.mailbox, list_id)
        if found is None:
            raise not_found()
        return found

    if n == 1:
        return _only(method, "GET", "todo_list", lambda c, t: (200, todo.render_list(task_list(c))))
    if parts[1] != "tasks":
        return _not_found_route()
    if n == 2:
        if method == "POST":
            return "task_create", lambda c, t: todo.create(c, task_list(c))
        return _only(method, "GET", "task_list", lambda c, t: _task_list(c, t, task_list(c), list_id))
    if n == 3 and parts[2] == "delta":
        def delta(ctx: Ctx, tokens: Tokens) -> tuple[int, Any]:
            ctx.query = parse_query(ctx.params, allow={"$select", "$top", "$expand"})
            found = task_list(ctx)
            return _simple_delta(ctx, tokens, "task", found.id, f"{ctx.root}/todo/lists/{list_id}/tasks/delta",
                                 todo.render)

        return _only(method, "GET", "task_delta", delta)
    task_id = parts[2]
    if n == 3:
        op, handler = _item_ops(method, "task", task_id)
        return op, lambda c, t: (task_list(c), handler(c, t))[1]
    if n == 4 and parts[3] == "linkedResources":
        if method == "POST":
            return "task_link_create", lambda c, t: todo.add_link(c, _lookup(c, "task", task_id))
        return _only(method, "GET", "task_links", lambda c, t: (200, {"value": list(
            _lookup(c, "task", task_id).data.get("linkedResources", []))}))
    return _not_found_route()


def _task_list(ctx: Ctx, tokens: Tokens, found: Any, list_id: str) -> tuple[int, Any]:
    ctx.query = parse_query(ctx.params, allow={"$select", "$top", "$expand"})

    def entries() -> list:
        return [(i.rest_id, lambda c, i=i: todo.render(c, i)) for i in ctx.mailbox.live("task", found.id)]

    return _listing(ctx, tokens, f"{ctx.root}/todo/lists/{list_id}/tasks", entries)


def _user(ctx: Ctx, tokens: Tokens) -> tuple[int, Any]:
    mailbox = ctx.mailbox
    return 200, {"id": mailbox.upn, "userPrincipalName": mailbox.upn, "mail": mailbox.upn,
                 "displayName": mailbox.display_name}
