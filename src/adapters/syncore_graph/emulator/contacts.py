"""Personal contacts in the default contact folder (https://learn.microsoft.com/en-us/graph/api/resources/contact).

``personalNotes`` is plain text; ``emailAddresses`` and the phone lists are collections written whole by a PATCH.
``displayName`` is composed from the name parts when a create gives none (as Outlook shows the contact).
"""

from __future__ import annotations

from typing import Any

from .common import EXTENDED, Ctx, check_properties, check_text, json_body, render_extended, set_extended
from .errors import bad_request
from .events import check_if_match
from .mailbox import Item
from .times import iso_utc

TEXT = ("givenName", "surname", "middleName", "nickName", "displayName", "jobTitle", "department", "companyName",
        "mobilePhone", "personalNotes", "fileAs", "initials", "title", "officeLocation", "profession", "manager",
        "assistantName", "spouseName", "generation", "businessHomePage")
LISTS = ("emailAddresses", "businessPhones", "homePhones", "imAddresses", "categories", "children")
ADDRESSES = ("businessAddress", "homeAddress", "otherAddress")
ADDRESS_PARTS = ("street", "city", "state", "countryOrRegion", "postalCode")
WRITABLE = {*TEXT, *LISTS, *ADDRESSES, "birthday", EXTENDED}


def _validate(body: dict[str, Any]) -> None:
    check_properties(body, WRITABLE, "contact")
    check_text(body, *TEXT)
    for name in LISTS:
        if name in body and not isinstance(body[name], list):
            raise bad_request(f"The property '{name}' must be a collection.", "RequestBodyRead")
    for entry in body.get("emailAddresses") or ():
        if not isinstance(entry, dict) or not isinstance(entry.get("address", ""), str):
            raise bad_request("Each email address is an emailAddress object.", "RequestBodyRead")
    for name in ADDRESSES:
        value = body.get(name)
        if value is not None and (not isinstance(value, dict) or set(value) - set(ADDRESS_PARTS) - {"@odata.type"}):
            raise bad_request(f"The property '{name}' must be a physicalAddress object.", "RequestBodyRead")
    if body.get("birthday") is not None:
        text = body["birthday"]
        if not isinstance(text, str) or len(text) < 10:
            raise bad_request(f"Cannot convert the literal '{text}' to the expected type 'Edm.DateTimeOffset'.",
                              "RequestBodyRead")


def _display_name(data: dict[str, Any]) -> str:
    return " ".join(p for p in (data.get("givenName"), data.get("surname")) if p) or ""


def create(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    body = dict(json_body(ctx))
    _validate(body)
    data = {k: v for k, v in body.items() if k != EXTENDED}
    if not data.get("displayName"):
        data["displayName"] = _display_name(data)
    item = ctx.mailbox.add("contact", ctx.mailbox.contact_folder_id, data)
    if EXTENDED in body:
        set_extended(item, body[EXTENDED])
    return 201, render(ctx, item)


def update(ctx: Ctx, item: Item) -> tuple[int, dict[str, Any]]:
    body = dict(json_body(ctx))
    _validate(body)
    check_if_match(ctx, item)
    item.data = {**item.data, **{k: v for k, v in body.items() if k != EXTENDED}}
    if EXTENDED in body:
        set_extended(item, body[EXTENDED])
    ctx.mailbox.bump(item)
    return 200, render(ctx, item)


def render(ctx: Ctx, item: Item) -> dict[str, Any]:
    data = item.data
    contact: dict[str, Any] = {
        "@odata.etag": item.etag,
        "id": item.id_for(ctx.immutable),
        "createdDateTime": iso_utc(item.created),
        "lastModifiedDateTime": iso_utc(item.modified),
        "changeKey": item.change_key,
        "parentFolderId": ctx.mailbox.contact_folder_id,
        "birthday": data.get("birthday"),
    }
    for name in TEXT:
        contact[name] = data.get(name) if name in data else (None if name != "displayName" else "")
    for name in LISTS:
        contact[name] = list(data.get(name) or [])
    for name in ADDRESSES:
        contact[name] = dict(data.get(name) or {})
    extended = render_extended(item, ctx)
    if extended is not None:
        contact[EXTENDED] = extended
    return contact
