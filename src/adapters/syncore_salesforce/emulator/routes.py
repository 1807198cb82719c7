"""URL -> operation name and handler, for every resource the emulator serves.

The operation names are the request log's vocabulary (and what ``faults.*(op=...)`` restricts a fault to).
"""

from __future__ import annotations

from functools import partial

from .context import Route, is_version, method_not_allowed, only, unknown
from .ids import is_id
from .ops import auth, collections, composite, describe, limits, query, replication, resources, sobjects
from .org import Org


def route_outside_api(org: Org, method: str, segs: list[str], identity_base: str) -> Route | None:
    """Login, OAuth, identity and the versions list (none needs a session); ``None`` for the data API."""
    if segs[:3] == ["services", "Soap", "u"]:
        return only(method, "POST", Route("login", partial(auth.soap_login, org)))
    if segs[:3] == ["services", "oauth2", "token"]:
        return only(
            method, "POST", Route("oauth", partial(auth.oauth_token, org, identity_base=identity_base))
        )
    if segs[:1] == ["id"]:
        return only(method, "GET", Route("identity", partial(auth.identity, org)))
    if segs == ["services", "data"]:
        return only(method, "GET", Route("versions", partial(resources.list_versions, org)))
    if len(segs) < 3 or segs[:2] != ["services", "data"] or not (is_version(segs[2]) or segs[2] == "latest"):
        return unknown()
    return None


def route(org: Org, method: str, segs: list[str]) -> Route:
    """The handler for *method* and path *segs* under ``/services/data/vNN.0/``."""
    n = len(segs)
    head = segs[0] if segs else ""
    if n == 0:
        return only(method, "GET", Route("resources", partial(resources.list_resources, org)))
    if head == "limits" and n == 1:
        return only(method, "GET", Route("limits", partial(limits.handle, org)))
    if head in ("query", "queryAll") and n == 1:
        return only(method, "GET", Route(head, partial(query.handle, org)))
    if head in ("query", "queryAll") and n == 2:
        return only(method, "GET", Route("query_more", partial(query.more, org)))
    if head == "sobjects":
        return _route_sobjects(org, method, segs)
    if head == "composite":
        return _route_composite(org, method, segs)
    return unknown()


def _route_sobjects(org: Org, method: str, segs: list[str]) -> Route:
    n = len(segs)
    if n == 1:
        return only(method, "GET", Route("describe_global", partial(describe.describe_global, org)))
    name = segs[1]
    if n == 2:
        if method == "POST":
            return Route("sobject_create", partial(sobjects.create, org), name)
        return only(method, "GET", Route("sobject_info", partial(describe.basic_info, org), name))
    third = segs[2]
    if n == 3 and third == "describe":
        return only(method, "GET", Route("describe", partial(describe.describe, org), name))
    if n == 3 and third in ("updated", "deleted"):
        handler = replication.updated if third == "updated" else replication.deleted
        return only(method, "GET", Route(third, partial(handler, org), name))
    if n == 3 and is_id(third):
        ops = {
            "GET": ("sobject_get", sobjects.get),
            "PATCH": ("sobject_update", sobjects.update),
            "DELETE": ("sobject_delete", sobjects.delete),
        }
        if method not in ops:
            return method_not_allowed(method, "GET,PATCH,HEAD,DELETE")
        op, handler = ops[method]
        return Route(op, partial(handler, org), name)
    if n == 3:
        return Route("get_by_external_id", partial(sobjects.by_external_id, org), name)
    if n == 4 and is_id(third) and segs[3] == "fromThisEventOnwards":
        return only(method, "DELETE", Route("delete_from_this_event_onwards", partial(sobjects.delete_onwards, org),
                                            name))
    if n == 4 and not is_id(third):
        names = {"GET": "get_by_external_id", "PATCH": "upsert", "DELETE": "delete_by_external_id"}
        if method not in names:
            return method_not_allowed(method, "GET,PATCH,HEAD,DELETE")
        return Route(names[method], partial(sobjects.by_external_id, org), name)
    return unknown(name)


def _route_composite(org: Org, method: str, segs: list[str]) -> Route:
    n = len(segs)
    if n == 1:
        return only(method, "POST", Route("composite", partial(composite.handle, org)))
    if segs[1] != "sobjects":
        return unknown()
    if n == 2:
        handlers = {
            "POST": ("composite_create", collections.create),
            "PATCH": ("composite_update", collections.update),
            "DELETE": ("composite_delete", collections.delete),
        }
        if method not in handlers:
            return method_not_allowed(method, "POST,PATCH,DELETE")
        op, handler = handlers[method]
        return Route(op, partial(handler, org))
    if n == 3:
        if method not in ("GET", "POST"):
            return method_not_allowed(method, "GET,POST")
        return Route("composite_retrieve", partial(collections.retrieve, org), segs[2])
    if n == 4 and method == "PATCH":
        return Route("composite_upsert", partial(collections.upsert, org), segs[2])
    return unknown()
