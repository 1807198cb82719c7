"""Outlook item ids in their formats, and the translation between them.

* ``restId``: Graph's default id, URL-safe base64 (``-`` and ``_``) of the same bytes as the EWS id;
* ``ewsId``: the EWS ItemId, standard base64 (``+`` and ``/``);
* ``restImmutableEntryId``: returned with ``Prefer: IdType="ImmutableId"``; it stays the same across folder
  moves (https://learn.microsoft.com/en-us/graph/outlook-immutable-id).

Every format of an item is accepted in a URL; what a response shows depends on the Prefer header.
"""

from __future__ import annotations

import base64
import re
import secrets

#: what any emulator-made id looks like (URL-safe or standard base64, padding allowed)
ID_SHAPE = re.compile(r"^[A-Za-z0-9+/_-]{16,512}={0,2}$")
# The prefixes of real ids: a REST id of a mailbox item, an immutable entry id
_REST_PREFIX = b"\x00\x03\x24\x00"
_IMMUTABLE_PREFIX = b"\x00\x09\x00\x2e"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def new_rest_id() -> str:
    """A fresh REST id (URL-safe base64 with padding, as Graph's ids end in ``=``)."""
    return _b64url(_REST_PREFIX + secrets.token_bytes(42))


def new_immutable_id() -> str:
    return _b64url(_IMMUTABLE_PREFIX + secrets.token_bytes(42))


def ews_to_rest(ews_id: str) -> str:
    """The REST form of an EWS id: the same base64 in its URL-safe alphabet."""
    return ews_id.replace("+", "-").replace("/", "_")


def rest_to_ews(rest_id: str) -> str:
    return rest_id.replace("-", "+").replace("_", "/")


def well_formed(value: str) -> bool:
    """True for a value shaped like an id (ErrorInvalidIdMalformed otherwise)."""
    return bool(ID_SHAPE.match(value))


def new_change_key() -> str:
    return base64.b64encode(b"\x10\x00\x00\x00" + secrets.token_bytes(16)).decode()
