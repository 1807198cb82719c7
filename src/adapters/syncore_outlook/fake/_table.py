"""``Folder.GetTable``: Table, Columns, Row (reference §5, §12.12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .. import constants as C
from ._errors import outlook_error
from ._filter import Filter
from ._values import (
    builtin,
    canonical_name,
    dasl_builtin_name,
    dasl_value,
    is_dasl,
    split_public_string,
    user_value,
)

if TYPE_CHECKING:
    from ._app import FakeOutlook
    from ._records import FolderData, Record

MAX_STRING = 255  # "String columns are truncated to 255 bytes on Exchange, OST and PST stores"

DEFAULT_COLUMNS = {
    C.olAppointmentItem: ("Start", "End", "IsRecurring"),
    C.olContactItem: ("FirstName", "LastName", "CompanyName"),
    C.olTaskItem: ("DueDate", "PercentComplete", "IsRecurring"),
}
_ALWAYS = ("EntryID", "Subject", "CreationTime", "LastModificationTime", "MessageClass")

#: Computed and object properties a Table refuses by built-in name.
BLOCKED_COLUMNS = frozenset(n.lower() for n in (
    "BodyFormat", "Class", "RecurrenceState", "Saved", "Unread", "HTMLBody", "RTFBody", "Sent", "Submitted",
    "AutoResolvedWinner", "DownloadState", "IsConflict", "InternetCodePage", "MemberCount", "ResponseState",
    "Recipients", "UserProperties", "RecurrencePattern", "GetRecurrencePattern", "PropertyAccessor",
    "Attachments", "Links", "Actions", "Parent", "Session", "Application", "FormDescription",
    "GetInspector", "Conflicts", "StartTimeZone", "EndTimeZone", "StartUTC", "EndUTC",
    "StartInStartTimeZone", "EndInEndTimeZone",
))


@dataclass(frozen=True)
class _ColumnSpec:
    name: str  # as added
    mode: str  # "name" | "user" | "dasl"
    target: str  # canonical built-in name, user field name, or DASL name


class FakeColumn:
    """One column; ``Name`` is the name it was added by."""

    def __init__(self, spec: _ColumnSpec):
        self._spec = spec
        self.Name = spec.name


class FakeColumns:
    """``Table.Columns``; ``Add`` is guard-protected (reference §7)."""

    def __init__(self, table: FakeTable, specs: list[_ColumnSpec]):
        self._table = table
        self._specs = specs

    @property
    def Count(self) -> int:
        return len(self._specs)

    def Add(self, Name: str) -> FakeColumn:  # noqa: N803
        """Add a column by built-in name (local dates, strings) or DASL name (UTC dates, bytes)."""
        fake = self._table._fake
        fake._guard("Columns.Add")
        spec = self._table._resolve(Name)
        self._specs.append(spec)
        return FakeColumn(spec)

    def Remove(self, Index: int | str) -> None:
        del self._specs[self._table._index_of(Index)]

    def RemoveAll(self) -> None:
        self._specs.clear()

    def Item(self, Index: int | str) -> FakeColumn:
        return FakeColumn(self._specs[self._table._index_of(Index)])

    def __iter__(self) -> Any:
        return iter([FakeColumn(s) for s in self._specs])


class FakeRow:
    """``Outlook.Row``: values of one table row."""

    def __init__(self, table: FakeTable, values: tuple[Any, ...]):
        self._table = table
        self._values = values

    def Item(self, Index: int | str) -> Any:  # noqa: N803
        return self._values[self._table._index_of(Index)]

    __call__ = Item

    def GetValues(self) -> tuple[Any, ...]:
        return self._values

    def BinaryToString(self, Index: int | str) -> str:  # noqa: N803
        """Hex string of a binary column (by-name binary columns are already strings)."""
        value = self.Item(Index)
        return value.hex().upper() if isinstance(value, (bytes, bytearray)) else str(value)

    def UTCToLocalTime(self, Index: int | str) -> datetime:  # noqa: N803
        t = self._table._fake.time
        return t.local_out(self.Item(Index))

    def LocalTimeToUTC(self, Index: int | str) -> datetime:  # noqa: N803
        t = self._table._fake.time
        return t.utc_out(t.local_wall_to_instant(self.Item(Index).replace(tzinfo=None)))


class FakeTable:
    """Read-only rowset over a folder: one row per item (one per recurring master), no item opens."""

    def __init__(self, fake: FakeOutlook, folder: FolderData, filters: tuple[Filter, ...],
                 specs: list[_ColumnSpec] | None = None):
        self._fake = fake
        self._folder = folder
        self._filters = filters
        self._records = [r for r in folder.records.values() if all(f.matches(r) for f in filters)]
        if specs is None:
            names = _ALWAYS + DEFAULT_COLUMNS.get(folder.default_item_type, ())
            specs = [_ColumnSpec(n, "name", n) for n in names]
        self._specs = specs
        self._columns = FakeColumns(self, specs)
        self._pos = 0

    # --- column resolution -------------------------------------------------------------------------------
    def _resolve(self, name: str) -> _ColumnSpec:
        if is_dasl(name):
            ps = split_public_string(name)
            if ps is not None:
                if not ps[1] and ps[0].lower() not in self._folder.fields:
                    # Without a type suffix the named property must be defined in the folder.
                    raise outlook_error(C.E_INVALIDARG, f'The property "{name}" is unknown.')
                return _ColumnSpec(name, "dasl", name)
            if dasl_builtin_name(name) is None:
                raise outlook_error(C.E_INVALIDARG, f'The property "{name}" is unknown '
                                                    f"(or not supported by the fake).")
            return _ColumnSpec(name, "dasl", name)
        if name.lower() in BLOCKED_COLUMNS:
            raise outlook_error(C.E_INVALIDARG, f'The property "{name}" is not supported in a Table.')
        types = [self._folder.default_item_type] if self._folder.default_item_type else [1, 2, 3]
        for item_type in types:
            known = canonical_name(item_type, name)
            if known is not None:
                return _ColumnSpec(name, "name", known)
        field = self._folder.fields.get(name.lower())
        if field is not None:
            return _ColumnSpec(name, "user", field[0])
        raise outlook_error(C.E_INVALIDARG, f'The property "{name}" is unknown.')

    def _index_of(self, index: int | str) -> int:
        if isinstance(index, int):
            if not 1 <= index <= len(self._specs):
                raise outlook_error(C.E_INVALIDARG, "Array index out of bounds.")
            return index - 1
        for i, spec in enumerate(self._specs):
            if spec.name.lower() == str(index).lower():
                return i
        raise outlook_error(C.E_INVALIDARG, f"Column {index!r} not found.")

    # --- values ------------------------------------------------------------------------------------------
    def _value(self, rec: Record, spec: _ColumnSpec) -> Any:
        t = self._fake.time
        if spec.mode == "dasl":
            found = dasl_value(self._fake, rec, spec.target)
            if found is None:
                return None
            kind, value = found
            if kind == "instant":
                return None if value is None else t.utc_out(value)
            if kind == "date":
                return t.date_out(value)
            if kind == "str":
                return value[:MAX_STRING]
            return value  # bytes stay bytes, multi-valued stay tuples
        if spec.mode == "user":
            found = user_value(rec, spec.target)
        elif canonical_name(rec.item_type, spec.target) is None:
            found = None
        else:
            found = builtin(self._fake, rec, spec.target)
        if found is None:
            return None
        kind, value = found
        if kind == "bytes":
            return value.hex().upper()
        if kind == "instant":
            return t.date_out(None) if value is None else t.local_out(value)
        if kind == "date":
            return t.date_out(value)
        if kind == "multi":
            return (self._fake.list_separator + " ").join(value)
        if kind == "str":
            return value[:MAX_STRING]
        return value

    def _row(self, rec: Record) -> tuple[Any, ...]:
        return tuple(self._value(rec, s) for s in self._specs)

    # --- COM surface -------------------------------------------------------------------------------------
    @property
    def Columns(self) -> FakeColumns:
        return self._columns

    @property
    def EndOfTable(self) -> bool:
        return self._pos >= len(self._records)

    def GetRowCount(self) -> int:
        return len(self._records)

    def MoveToStart(self) -> None:
        self._pos = 0

    def GetNextRow(self) -> FakeRow | None:
        """Next row, or None past the end."""
        self._fake._call("Table.GetNextRow")
        if self.EndOfTable:
            return None
        rec = self._records[self._pos]
        self._pos += 1
        return FakeRow(self, self._row(rec))

    def GetArray(self, MaxRows: int) -> tuple[tuple[Any, ...], ...]:  # noqa: N803
        """Up to ``MaxRows`` rows as a tuple of row tuples (pywin32's view of the 2-D SAFEARRAY)."""
        self._fake._call("Table.GetArray")
        chunk = self._records[self._pos:self._pos + int(MaxRows)]
        self._pos += len(chunk)
        return tuple(self._row(r) for r in chunk)

    def Restrict(self, Filter: str) -> FakeTable:  # noqa: N803
        """New table with the extra filter and the same columns."""
        parsed = _make_filter(self._fake, self._folder, Filter)
        return FakeTable(self._fake, self._folder, self._filters + (parsed,), list(self._specs))

    def Sort(self, SortProperty: str, Descending: bool = False) -> None:  # noqa: N803
        name = SortProperty.strip("[]")
        known = canonical_name(self._folder.default_item_type, name) if self._folder.default_item_type \
            else None
        if known is None:
            raise outlook_error(C.E_INVALIDARG, f'The property "{name}" is unknown.')

        def key(rec: Record) -> Any:
            value = builtin(self._fake, rec, known)[1]
            return (value is None, value if value is not None else 0)
        self._records.sort(key=key, reverse=bool(Descending))
        self._pos = 0


def _make_filter(fake: FakeOutlook, folder: FolderData, text: str) -> Filter:
    return Filter(fake, folder, text)
