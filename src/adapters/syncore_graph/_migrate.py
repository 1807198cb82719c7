"""EWS ids → Graph ids, for moving a profile from the Exchange adapter (``syncore migrate-profile``).

* Delegated sign-in: ``POST /me/translateExchangeIds`` with ``sourceIdType: ewsId``, at most 1,000 ids a call
  (https://learn.microsoft.com/en-us/graph/api/user-translateexchangeids); events and contacts to
  ``restImmutableEntryId``, To Do tasks to ``restId`` (To Do addresses tasks by their REST id).
* App-only sign-in (translateExchangeIds does not support application permissions): the EWS id's URL-safe
  base64 form is its REST id; each item is read by it with ``Prefer: IdType="ImmutableId"`` ($batch GETs of
  20), which answers with its immutable id.

To Do tasks are checked to exist in the synced list either way (ids Graph does not know are left out).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from syncore.errors import ConfigurationError
from syncore.models import Kind

from ._client import GraphClient, Sub
from ._kinds import KindPaths

#: ids per translateExchangeIds call ("Maximum size of this collection is 1000 strings")
TRANSLATE_LIMIT = 1000
SOURCES = ("exchange",)


def ews_to_rest(ews_id: str) -> str:
    return ews_id.replace("+", "-").replace("/", "_")


def adopt(client: GraphClient, paths: KindPaths, source: str, ids: Sequence[str]) -> dict[str, str]:
    if source not in SOURCES:
        raise ConfigurationError(f"graph: cannot take over {source!r} ids; migrate-profile supports --from "
                                 f"{', '.join(SOURCES)}", key="from", value=source)
    if client.root == "/me":
        found = _translate(client, paths, ids)
    else:
        found = {}
    missing = [i for i in ids if i not in found]
    if missing:
        found.update(_read_by_rest_id(client, paths, missing))
    return found


def _translate(client: GraphClient, paths: KindPaths, ids: Sequence[str]) -> dict[str, str]:
    target = "restId" if paths.kind is Kind.TASK else "restImmutableEntryId"
    found: dict[str, str] = {}
    for start in range(0, len(ids), TRANSLATE_LIMIT):
        chunk = list(ids[start : start + TRANSLATE_LIMIT])
        answer = client.request("POST", "/translateExchangeIds", operation="translateExchangeIds", body={
            "inputIds": chunk, "sourceIdType": "ewsId", "targetIdType": target})
        for result in (answer or {}).get("value") or ():
            if result.get("targetId") and result.get("sourceId") in chunk:
                found[result["sourceId"]] = result["targetId"]
    if paths.kind is Kind.TASK and found:
        present = _existing(client, paths, list(found.values()))
        found = {old: new for old, new in found.items() if new in present}
    return found


def _read_by_rest_id(client: GraphClient, paths: KindPaths, ids: Sequence[str]) -> dict[str, str]:
    rest = {i: ews_to_rest(i) for i in ids}
    subs = [Sub("GET", f"{paths.item(rest[i])}?$select=id") for i in ids]
    found = {}
    for old, result in zip(ids, client.batch(subs, operation="read by REST id"), strict=True):
        body: Any = getattr(result, "body", None)
        if getattr(result, "ok", False) and isinstance(body, dict) and body.get("id"):
            found[old] = body["id"]
    return found


def _existing(client: GraphClient, paths: KindPaths, ids: list[str]) -> set[str]:
    subs = [Sub("GET", f"{paths.item(i)}?$select=id") for i in ids]
    return {i for i, result in zip(ids, client.batch(subs, operation="check tasks"), strict=True)
            if getattr(result, "ok", False)}
