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
from ._time import OutlookClock
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
    #: (read only where recurring rows are reported, to name them)
    subject: str = ""

    @property
    def key(self) -> str:
        """The item's native id for syncore: the GlobalAppointmentID of an appointment (it survives the new
        EntryID that accepting a meeting, a move or an export/import gives the item), else the EntryID."""
        return self.global_id or self.entry_id


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


def _add_long_term_entry_id(columns: Any) -> bool:
    # The long-term EntryID survives Exchange online mode (where PR_ENTRYID in a table can be short-term);
    # stores without the column refuse it, and rows of stores that lack the value read it as empty.
    try:
        columns.Add(C.PR_LONGTERM_ENTRYID_FROM_TABLE)
    except Exception as exc:
        if not is_com_error(exc) or scode_of(exc) == C.MAPI_E_NOT_SUPPORTED:
            raise
        return False
    return True


def scan(folder: Any, link_property: str, *, has_recurrence: bool, calendar: bool) -> Iterator[ScanRow]:
    """Every item of ``folder`` as :class:`ScanRow` (one row per recurring master)."""
    table = folder.GetTable("", C.olUserItems)
    columns = table.Columns
    columns.RemoveAll()
    names = ["long_term"] if _add_long_term_entry_id(columns) else []
    for name, column in (("entry_id", "EntryID"), ("modified", C.PR_LAST_MODIFICATION_TIME),
                         ("link", dasl_name(link_property))):
        columns.Add(column)
        names.append(name)
    if has_recurrence:
        columns.Add("IsRecurring")
        names.append("recurring")
        columns.Add("Subject")
        names.append("subject")
    if calendar:
        columns.Add(C.PID_GLOBAL_OBJECT_ID)
        names.append("global_id")
    while True:
        rows = table.GetArray(SCAN_PAGE)
        if not rows:
            return
        for values in rows:
            row = dict(zip(names, values, strict=True))
            entry_id = _hex(row.get("long_term")) or _hex(row["entry_id"])
            if entry_id is None:
                continue  # never seen for a saved item; it could not be opened anyway
            modified = row["modified"]
            yield ScanRow(
                entry_id=entry_id,
                # a missing time (never seen in practice) keeps a stable version rather than dropping the row,
                # which would read as a deletion
                version=version_of(OutlookClock.read_utc(modified)) if modified is not None else 0,
                link=str(row["link"]) if row["link"] else None,
                recurring=bool(row.get("recurring")),
                global_id=_hex(row.get("global_id")),
                subject=str(row.get("subject") or ""),
            )


def unique_keys(rows: list[ScanRow]) -> list[ScanRow]:
    """``rows`` with unique keys: a GlobalAppointmentID seen twice in one folder (a copied appointment) keys
    the later rows by their EntryID instead."""
    seen: set[str] = set()
    result = []
    for row in rows:
        if row.key in seen:
            row = attrs.evolve(row, global_id=None)
        seen.add(row.key)
        result.append(row)
    return result


def diff(rows: list[ScanRow], snapshot: Snapshot | None, *, recurring_ok: bool = False) -> Diff:
    """Compare a scan with the snapshot; ``None`` (a full scan) treats every row as changed. Recurring rows are
    unsupported unless ``recurring_ok`` (appointments: a master is read as a series)."""
    old = snapshot.versions if snapshot is not None else {}
    changed, unsupported = [], []
    for row in rows:
        if snapshot is not None and old.get(row.key) == row.version:
            continue
        (unsupported if row.recurring and not recurring_ok else changed).append(row)
    present = {row.key for row in rows}
    deleted = tuple(key for key in old if key not in present)
    return Diff(changed=tuple(changed), unsupported=tuple(unsupported), deleted=deleted)


def snapshot_of(folder_id: str, rows: list[ScanRow]) -> Snapshot:
    """The snapshot to store after ``rows`` were reported."""
    return Snapshot(folder=folder_id, versions={row.key: row.version for row in rows})
