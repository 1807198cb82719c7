"""``Items`` collections: enumeration, Restrict, Sort, IncludeRecurrences, Find (reference §4)."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .. import constants as C
from ._errors import outlook_error
from ._filter import Filter
from ._recurrence import expand
from ._values import builtin, canonical_name

if TYPE_CHECKING:
    from ._app import FakeOutlook
    from ._records import FolderData, Record

#: What Count reports while recurrences are expanded ("an undefined value"; commonly observed as MAXINT).
EXPANDED_COUNT = 2147483647


class FakeItems:
    """A folder's ``Items`` or a ``Restrict`` result. Every item object handed out counts as an open."""

    def __init__(self, fake: FakeOutlook, folder: FolderData, filters: tuple[Filter, ...] = (),
                 sort: tuple[str, bool] | None = None, include_recurrences: bool = False):
        self._fake = fake
        self._folder = folder
        self._filters = filters
        self._sort = sort
        self.IncludeRecurrences = include_recurrences
        self._cursor: Iterator[Any] | None = None
        self._list: list[Any] | None = None
        self._index = -1
        self._find: Iterator[Any] | None = None

    # --- membership --------------------------------------------------------------------------------------
    @property
    def _expanding(self) -> bool:
        # Expansion needs Sort("[Start]") first, then IncludeRecurrences = True (reference §4).
        return bool(self.IncludeRecurrences) and self._sort is not None and self._sort[0] == "Start"

    def _matches(self, rec: Record) -> bool:
        return all(f.matches(rec) for f in self._filters)

    def _entries(self) -> Iterator[tuple[Record, Any]]:
        """(record, occurrence ref or None) in collection order, filtered; possibly infinite."""
        records = list(self._folder.records.values())
        if not self._expanding:
            chosen = [r for r in records if self._matches(r)]
            if self._sort is not None:
                chosen.sort(key=lambda r: self._sort_key(r, self._sort[0]), reverse=self._sort[1])
            return ((r, None) for r in chosen)
        streams = []
        for rec in records:
            if rec.pattern is not None:
                streams.append(expand(self._fake, rec))
            else:
                streams.append(iter([(rec, None)]))
        merged = heapq.merge(*streams, key=lambda pair: pair[0].props["start"], reverse=self._sort[1])
        bound = min((b for f in self._filters if (b := f.start_upper_bound()) is not None), default=None)

        def gen() -> Iterator[tuple[Record, Any]]:
            for rec, ref in merged:
                if bound is not None and not self._sort[1] and rec.props["start"] > bound:
                    return
                if self._matches(rec):
                    yield rec, ref
        return gen()

    def _sort_key(self, rec: Record, name: str) -> Any:
        if canonical_name(rec.item_type, name) is None:
            return (1, "")
        kind, value = builtin(self._fake, rec, name)
        if value is None:
            return (1, "")
        if kind == "str":
            value = value.casefold()
        return (0, value)

    def _open(self, entry: tuple[Record, Any]) -> Any:
        rec, ref = entry
        if ref is not None:
            return self._fake._open_occurrence(rec, ref)
        return self._fake._open(rec, self._folder)

    # --- COM surface -------------------------------------------------------------------------------------
    @property
    def Count(self) -> int:
        """Number of items; undefined (MAXINT) while recurrences are expanded."""
        if self._expanding:
            return EXPANDED_COUNT
        return sum(1 for _ in self._entries())

    def __len__(self) -> int:
        return self.Count

    def Item(self, Index: int) -> Any:
        """1-based item; each call opens the item."""
        if not isinstance(Index, int) or Index < 1:
            raise outlook_error(C.E_INVALIDARG, "Array index out of bounds.")
        entry = next(itertools.islice(self._entries(), Index - 1, None), None)
        if entry is None:
            raise outlook_error(C.E_INVALIDARG, "Array index out of bounds.")
        return self._open(entry)

    def __iter__(self) -> Iterator[Any]:
        for entry in self._entries():
            yield self._open(entry)

    def Add(self, Type: int | None = None) -> Any:
        """New unsaved item in this folder (EntryID is "" until Save)."""
        item_type = self._folder.default_item_type if Type is None else Type
        if item_type not in (C.olAppointmentItem, C.olContactItem, C.olTaskItem):
            raise outlook_error(C.E_INVALIDARG, f"The fake cannot create item type {item_type}.")
        return self._fake._new_item(item_type, self._folder)

    def Restrict(self, Filter: str) -> FakeItems:  # noqa: N803 - COM name
        """New collection of the items matching a Jet or ``@SQL=`` DASL filter."""
        self._fake._call("Items.Restrict")
        parsed = _filter_cls(self._fake, self._folder, Filter)
        return FakeItems(self._fake, self._folder, self._filters + (parsed,), self._sort,
                         self.IncludeRecurrences)

    def Sort(self, Property: str, Descending: bool = False) -> None:  # noqa: N803
        """Sort by ``"[Name]"``; sorting on anything but Start disables recurrence expansion."""
        name = Property.strip()
        if name.startswith("[") and name.endswith("]"):
            name = name[1:-1]
        known = canonical_name(self._folder.default_item_type, name) if self._folder.default_item_type \
            else name
        if known is None:
            raise outlook_error(C.E_INVALIDARG, f'The property "{name}" is unknown.')
        self._sort = (known, bool(Descending))

    def Find(self, Filter: str) -> Any:  # noqa: N803
        """First matching item or None; FindNext continues."""
        parsed = _filter_cls(self._fake, self._folder, Filter)
        self._find = (e for e in self._entries() if parsed.matches(e[0]))
        return self.FindNext()

    def FindNext(self) -> Any:
        entry = next(self._find, None) if self._find is not None else None
        return None if entry is None else self._open(entry)

    def GetFirst(self) -> Any:
        self._cursor = self._entries()
        self._list, self._index = None, 0
        entry = next(self._cursor, None)
        return None if entry is None else self._open(entry)

    def GetNext(self) -> Any:
        if self._cursor is None:
            return self.GetFirst()
        entry = next(self._cursor, None)
        self._index += 1
        return None if entry is None else self._open(entry)

    def GetLast(self) -> Any:
        if self._expanding:
            raise outlook_error(C.E_FAIL, "GetLast is not available on an expanded collection.")
        self._list = list(self._entries())
        self._index = len(self._list) - 1
        return self._open(self._list[self._index]) if self._list else None

    def GetPrevious(self) -> Any:
        if self._list is None:
            self._list = list(self._entries())
            self._index = len(self._list)
        self._index -= 1
        return self._open(self._list[self._index]) if 0 <= self._index < len(self._list) else None


def _filter_cls(fake: FakeOutlook, folder: FolderData, text: str) -> Filter:
    return Filter(fake, folder, text)
