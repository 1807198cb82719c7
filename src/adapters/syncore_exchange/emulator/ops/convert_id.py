"""ConvertId: a trivial, reversible id conversion, and the reply exchangelib's version probe needs.

Every id format names the same item here: ``EwsId``, ``EwsLegacyId``, ``EntryId``, ``StoreId`` and
``OwaId`` keep the base64 id as is, and ``HexEntryId`` is the hex of the decoded bytes. Unknown ids (such as
the ``DUMMY`` id exchangelib sends when guessing the server version) get ``ErrorInvalidIdMalformed``; the
reply still carries the ``ServerVersionInfo`` header, which is all the probe reads.
"""

from __future__ import annotations

import base64
import binascii

from ..soap import response_root
from ..xmlns import child, sub
from .common import Context, item_refs


def _to_raw(value: str, fmt: str) -> bytes | None:
    try:
        if fmt == "HexEntryId":
            return binascii.unhexlify(value)
        return base64.b64decode(value.encode(), validate=True)
    except (binascii.Error, ValueError):
        return None


def _from_raw(raw: bytes, fmt: str) -> str:
    if fmt == "HexEntryId":
        return binascii.hexlify(raw).decode().upper()
    return base64.b64encode(raw).decode()


def handle(ctx: Context):
    root, messages = response_root("ConvertId")
    destination = ctx.op.get("DestinationFormat", "EwsId")
    refs = item_refs(child(ctx.op, "m:SourceIds"))
    ctx.record.item_count = len(refs)
    for ref in refs:
        raw = _to_raw(ref.get("Id", ""), ref.get("Format", "EwsId"))
        if raw is None or ctx.store.get(base64.b64encode(raw).decode()) is None:
            ctx.write_error(messages, "ErrorInvalidIdMalformed")
            continue
        msg = ctx.success(messages)
        attrs = {"Format": destination, "Id": _from_raw(raw, destination), "Mailbox": ref.get("Mailbox", "")}
        sub(msg, "m:AlternateId", attrs=attrs)
        ctx.record.returned += 1
    return root
