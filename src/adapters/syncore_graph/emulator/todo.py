"""Microsoft To Do: task lists, tasks and their linked resources.

Resources: https://learn.microsoft.com/en-us/graph/api/resources/todotasklist,
https://learn.microsoft.com/en-us/graph/api/resources/todotask (no extended properties: a task names its source
through ``linkedResources``, https://learn.microsoft.com/en-us/graph/api/resources/linkedresource, which a
create may carry inline, https://learn.microsoft.com/en-us/graph/api/todotasklist-post-tasks).

``recurrence`` is a patternedRecurrence ("The recurrence pattern for the task", todotask resource), validated as
an event's and rendered when the task has one (whether the service also renders ``"recurrence": null`` on a single
task is not pinned; rendering it only when set is what every client must read either way).

``completedDateTime`` is set by the service when a task becomes ``completed`` without one and cleared when it
leaves that status (a guess at the service's behaviour, consistent with Exchange's tasks).
"""

from __future__ import annotations

import uuid
from typing import Any

from . import recurrence
from .common import Ctx, check_enum, check_item_body, check_properties, check_text, json_body, render_body
from .errors import bad_request
from .events import check_if_match
from .mailbox import Item, Mailbox, TaskList
from .times import iso_utc, parse_dtz, render_instant

STATUS = ("notStarted", "inProgress", "completed", "waitingOnOthers", "deferred")
IMPORTANCE = ("low", "normal", "high")
DATES = ("dueDateTime", "startDateTime", "reminderDateTime", "completedDateTime")
WRITABLE = {"title", "body", "status", "importance", "isReminderOn", "categories", "recurrence", "linkedResources",
            *DATES}
LINK_FIELDS = {"webUrl", "applicationName", "displayName", "externalId"}


def _validate(body: dict[str, Any]) -> None:
    check_properties(body, WRITABLE, "todoTask")
    check_enum(body, "status", STATUS, "taskStatus")
    check_enum(body, "importance", IMPORTANCE, "importance")
    check_text(body, "title")
    if "body" in body:
        body["body"] = check_item_body(body["body"])
    for name in DATES:
        if body.get(name) is not None:
            instant, zone = parse_dtz(body[name], name)
            body[name] = {"instant": instant, "zone": zone}
    if body.get("recurrence") is not None:
        recurrence.validate(body["recurrence"])
    for link in body.get("linkedResources") or ():
        check_link(link)


def check_link(link: Any) -> dict[str, Any]:
    if not isinstance(link, dict):
        raise bad_request("A linked resource is an object.", "RequestBodyRead")
    check_properties(link, LINK_FIELDS, "linkedResource")
    return link


def _apply_status(data: dict[str, Any], body: dict[str, Any], mailbox: Mailbox) -> None:
    if "status" not in body:
        return
    if body["status"] == "completed" and not data.get("completedDateTime"):
        data["completedDateTime"] = {"instant": mailbox.clock(), "zone": "UTC"}
    elif body["status"] != "completed":
        data.pop("completedDateTime", None)


def find_list(mailbox: Mailbox, list_id: str) -> TaskList | None:
    return mailbox.task_lists.get(list_id)


def create(ctx: Ctx, task_list: TaskList) -> tuple[int, dict[str, Any]]:
    body = dict(json_body(ctx))
    _validate(body)
    links = body.pop("linkedResources", None) or []
    data = {"status": "notStarted", "importance": "normal", "isReminderOn": False,
            "body": {"contentType": "text", "content": ""}, **body}
    _apply_status(data, body, ctx.mailbox)
    data["linkedResources"] = [{"id": str(uuid.uuid4()), **link} for link in links]
    item = ctx.mailbox.add("task", task_list.id, data)
    return 201, render(ctx, item)


def update(ctx: Ctx, item: Item) -> tuple[int, dict[str, Any]]:
    body = dict(json_body(ctx))
    if "linkedResources" in body:
        raise bad_request("linkedResources are written through the task's linkedResources collection.")
    _validate(body)
    check_if_match(ctx, item)
    data = {**item.data, **body}
    _apply_status(data, body, ctx.mailbox)
    item.data = data
    ctx.mailbox.bump(item)
    return 200, render(ctx, item)


def add_link(ctx: Ctx, item: Item) -> tuple[int, dict[str, Any]]:
    """POST /tasks/{id}/linkedResources."""
    link = {"id": str(uuid.uuid4()), **check_link(dict(json_body(ctx)))}
    item.data.setdefault("linkedResources", []).append(link)
    ctx.mailbox.bump(item)
    return 201, link


def render(ctx: Ctx, item: Item) -> dict[str, Any]:
    data = item.data
    task: dict[str, Any] = {
        "@odata.etag": item.etag,
        "id": item.rest_id,
        "title": data.get("title") or "",
        "status": data["status"],
        "importance": data["importance"],
        "isReminderOn": data.get("isReminderOn", False),
        "createdDateTime": iso_utc(item.created),
        "lastModifiedDateTime": iso_utc(item.modified),
        "bodyLastModifiedDateTime": iso_utc(item.modified),
        "categories": data.get("categories", []),
        "body": render_body(data["body"], ctx),
    }
    for name in DATES:
        value = data.get(name)
        if value is not None:
            task[name] = render_instant(value["instant"], ctx.zone)
    if data.get("recurrence"):
        task["recurrence"] = data["recurrence"]
    if ctx.query.expand_linked_resources:
        task["linkedResources"] = [dict(link) for link in data.get("linkedResources", [])]
    return task


def render_list(task_list: TaskList) -> dict[str, Any]:
    return {"@odata.etag": f'W/"{task_list.seq}"', "id": task_list.id, "displayName": task_list.display_name,
            "isOwner": True, "isShared": False, "wellknownListName": task_list.wellknown}
