"""``POST /me/translateExchangeIds`` (https://learn.microsoft.com/en-us/graph/api/user-translateexchangeids).

``inputIds`` (at most 1,000, one source format, one mailbox), ``sourceIdType`` and ``targetIdType`` from
exchangeIdFormat; the answer is a ``convertIdResult`` per input: ``sourceId`` and ``targetId``, or
``errorDetails`` for an id that names no item of the mailbox. Application permissions are "Not supported":
an app-only token is refused. The binary formats (``entryId``, ``immutableEntryId``) are not implemented
by the emulator and answer 501.
"""

from __future__ import annotations

from typing import Any

from . import ids
from .common import Ctx, check_properties, json_body
from .errors import GraphError, access_denied, bad_enum, bad_request

FORMATS = ("entryId", "ewsId", "immutableEntryId", "restId", "restImmutableEntryId")
MAX_IDS = 1000


def translate(ctx: Ctx) -> dict[str, Any]:
    if ctx.app_only:
        raise access_denied("Application permissions are not supported for translateExchangeIds; "
                            "use a delegated token.")
    body = json_body(ctx)
    check_properties(body, {"inputIds", "sourceIdType", "targetIdType"}, "translateExchangeIds")
    source, target = body.get("sourceIdType"), body.get("targetIdType")
    for value, type_name in ((source, "exchangeIdFormat"), (target, "exchangeIdFormat")):
        if value not in FORMATS:
            raise bad_enum(value, type_name)
    if "entryId" in (source, target) or "immutableEntryId" in (source, target):
        raise GraphError(501, "NotImplemented", "The emulator translates ewsId, restId and restImmutableEntryId only.")
    inputs = body.get("inputIds")
    if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
        raise bad_request("inputIds must be a collection of strings.", "RequestBodyRead")
    if len(inputs) > MAX_IDS:
        # The limit is documented ("Maximum size of this collection is 1000 strings"); the code is a guess.
        raise bad_request(f"The number of input ids exceeds the maximum of {MAX_IDS}.", "ErrorInvalidRequest")
    return {"@odata.context": f"{ctx.base_url}/v1.0/$metadata#Collection(microsoft.graph.convertIdResult)",
            "value": [_one(ctx, value, source, target) for value in inputs]}


def _one(ctx: Ctx, value: str, source: str, target: str) -> dict[str, Any]:
    key = ids.ews_to_rest(value) if source == "ewsId" else value
    item = ctx.mailbox.resolve(key) if ids.well_formed(value) else None
    if item is not None and source == "restImmutableEntryId" and key != item.immutable_id:
        item = None
    if item is not None and source in ("restId", "ewsId") and key != item.rest_id:
        item = None
    if item is None:
        return {"sourceId": value, "errorDetails": {"code": "ErrorInvalidIdMalformed" if not ids.well_formed(value)
                                                    else "ErrorItemNotFound",
                                                    "message": "The id could not be translated."}}
    result = {"ewsId": item.ews_id, "restId": item.rest_id, "restImmutableEntryId": item.immutable_id}[target]
    return {"sourceId": value, "targetId": result}
