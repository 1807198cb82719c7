"""Outlook's wire conventions for what the adapter stores outside Outlook: the change cursor.

:func:`make_converter` returns a fresh cattrs converter (never a shared global) for :class:`Snapshot`:

* EntryIDs are upper-case hex strings, as ``NameSpace.GetItemFromID`` takes them
* versions are ``LastModificationTime`` read by DASL name (true UTC) as integer milliseconds since the epoch
* the folder is named by its EntryID, so a cursor from another folder is refused
* the cursor string is the JSON form, zlib-compressed and URL-safe base64 encoded (:func:`encode_cursor`)
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from datetime import datetime

import attrs
import cattrs

from syncore.errors import CursorExpired
from syncore.timezones import to_utc

#: bumped whenever the snapshot layout changes; older cursors then expire (a full scan follows)
CURSOR_FORMAT = 1


@attrs.frozen(kw_only=True)
class Snapshot:
    """What the last scan saw: EntryID → version (LastModificationTime in UTC milliseconds)."""

    folder: str
    versions: dict[str, int] = attrs.field(factory=dict)
    format: int = CURSOR_FORMAT


def version_of(modified: datetime) -> int:
    """A LastModificationTime (an aware UTC datetime, see ``OutlookClock.read_utc``) as an integer version."""
    return round(to_utc(modified).timestamp() * 1000)


def version_text(version: int) -> str:
    """The version string handed to the engine (compared for equality only)."""
    return str(version)


def make_converter() -> cattrs.Converter:
    """A new converter for :class:`Snapshot` (see the module docstring)."""
    converter = cattrs.Converter()
    converter.register_unstructure_hook(
        Snapshot, lambda snap: {"f": snap.folder, "v": snap.format, "s": dict(snap.versions)}
    )
    converter.register_structure_hook(
        Snapshot,
        lambda data, _: Snapshot(folder=str(data["f"]), format=int(data["v"]),
                                 versions={str(k): int(v) for k, v in data["s"].items()}),
    )
    return converter


def encode_cursor(snapshot: Snapshot, converter: cattrs.Converter | None = None) -> str:
    """The compact cursor string for ``snapshot``."""
    data = (converter or make_converter()).unstructure(snapshot)
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii")


def decode_cursor(cursor: str, folder: str, converter: cattrs.Converter | None = None) -> Snapshot:
    """The snapshot in ``cursor``.

    :raises CursorExpired: when the cursor is unreadable, of another format, or for another folder
    """
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(cursor.encode("ascii")))
        snapshot = (converter or make_converter()).structure(json.loads(raw), Snapshot)
    except (ValueError, TypeError, KeyError, AttributeError, zlib.error, binascii.Error,
            cattrs.BaseValidationError) as exc:
        raise CursorExpired(f"Outlook: unreadable change cursor ({type(exc).__name__})") from exc
    if snapshot.format != CURSOR_FORMAT:
        raise CursorExpired(f"Outlook: cursor format {snapshot.format} is not {CURSOR_FORMAT}")
    if snapshot.folder != folder:
        raise CursorExpired("Outlook: the cursor belongs to another folder")
    return snapshot
