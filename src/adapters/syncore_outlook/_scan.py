"""Change detection by ``Folder.GetTable`` (reference §5, §11): one lightweight rowset, no item opened.

The scan reads EntryID, LastModificationTime *by its DASL name* (so it is true UTC), IsRecurring, the link
property and, for calendars, the GlobalObjectId. :func:`diff` compares it with the stored snapshot; only new
or changed items are opened afterwards. There is deliberately no ``Restrict`` on the modification time: it
compares to the minute only and never reports deletions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from . import constants as C
from ._link import dasl_name
from .converter import Snapshot, version_of
from .errors import is_com_error, scode_of

#: rows per ``Table.GetArray`` call. Outlook documents no limit; each call is one cross-process round trip and
#: a page of a few hundred short rows stays small.
SCAN_PAGE = 500


@attrs.frozen(kw_only=True)
class ScanRow:
    """One item as the table shows it."""

    entry_id: str
    version: int
    link: str | None = None
    recurring: bool = False
    global_id: str | None = None


@attrs.frozen(kw_only=True)
class Diff:
    """Rows to open (new or changed), rows to skip as unsupported, and EntryIDs gone since the snapshot."""

    changed: tuple[ScanRow, ...]
    unsupported: tuple[ScanRow, ...]
    deleted: tuple[str, ...]


def _hex(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex().upper()
    return str(value).upper()


def _add_entry_id(columns: Any) -> None:
    # The long-term EntryID survives Exchange online mode; stores without it fall back to PR_ENTRYID by name.
    try:
        columns.Add(C.PR_LONGTERM_ENTRYID_FROM_TABLE)
    except Exception as exc:
        if not is_com_error(exc) or scode_of(exc) == C.MAPI_E_NOT_SUPPORTED:
            raise
        columns.Add("EntryID")


def scan(folder: Any, link_property: str, *, has_recurrence: bool, calendar: bool) -> Iterator[ScanRow]:
    """Every item of ``folder`` as :class:`ScanRow` (one row per recurring master)."""
    table = folder.GetTable("", C.olUserItems)
    columns = table.Columns
    columns.RemoveAll()
    _add_entry_id(columns)
    columns.Add(C.PR_LAST_MODIFICATION_TIME)
    columns.Add(dasl_name(link_property))
    if has_recurrence:
        columns.Add("IsRecurring")
    if calendar:
        columns.Add(C.PID_GLOBAL_OBJECT_ID)
    while True:
        rows = table.GetArray(SCAN_PAGE)
        if not rows:
            return
        for row in rows:
            entry_id = _hex(row[0])
            if entry_id is None or row[1] is None:
                continue  # not a saved message (never seen in practice; guards against a half-written row)
            yield ScanRow(
                entry_id=entry_id,
                version=version_of(row[1]),
                link=str(row[2]) if row[2] else None,
                recurring=bool(row[3]) if has_recurrence else False,
                global_id=_hex(row[4]) if calendar else None,
            )


def diff(rows: list[ScanRow], snapshot: Snapshot | None) -> Diff:
    """Compare a scan with the snapshot; ``None`` (a full scan) treats every row as changed."""
    old = snapshot.versions if snapshot is not None else {}
    changed, unsupported = [], []
    for row in rows:
        if snapshot is not None and old.get(row.entry_id) == row.version:
            continue
        (unsupported if row.recurring else changed).append(row)
    present = {row.entry_id for row in rows}
    deleted = tuple(entry_id for entry_id in old if entry_id not in present)
    return Diff(changed=tuple(changed), unsupported=tuple(unsupported), deleted=deleted)


def snapshot_of(folder_id: str, rows: list[ScanRow]) -> Snapshot:
    """The snapshot to store after ``rows`` were reported."""
    return Snapshot(folder=folder_id, versions={row.entry_id: row.version for row in rows})
