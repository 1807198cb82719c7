"""A task's ``Links`` collection: the contacts the task is linked to.

* ``TaskItem.Links`` "returns a Links collection that represents the contacts to which the item is linked.
  Read-only." (_TaskItem.Links,
  https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2010/bb609394(v=office.14))
* ``Links`` holds ``Link`` objects; ``Count``, ``Item(Index)`` (1-based), ``Add(Item)``, ``Remove(Index)``
  (Links collection,
  https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2003/aa210939(v=office.11)).
* ``Link.Item`` "returns an Object corresponding to the specified Outlook item"; ``Link.Name`` is the display
  name; ``Link.Type`` an ``OlObjectClass`` of the linked item; "For Outlook 2000 and later, only contacts can
  be linked to other items". Link.Item:
  https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2010/ff869034(v=office.14)
  Link members:
  https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2010/ff869180(v=office.14)
  Link interface:
  https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2010/bb646022(v=office.14)
* The fake stores a link as the linked contact's EntryID. GUESS (undocumented): a link whose contact was
  deleted stays in the collection and its ``Item`` raises MAPI_E_NOT_FOUND.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import constants as C
from ._errors import outlook_error

if TYPE_CHECKING:
    from ._items import FakeItem


class FakeLink:
    """``Link``: ``Item``, ``Name``, ``Type`` (all read-only)."""

    def __init__(self, owner: FakeItem, entry_id: str):
        self._owner = owner
        self._entry_id = entry_id

    @property
    def Item(self) -> Any:
        """The linked contact, opened (counted in ``item_opens`` and as ``calls["Link.Item"]``)."""
        fake = self._owner._fake
        fake._call("Link.Item")
        hit = fake._locate(self._entry_id)
        if hit is None:
            raise outlook_error(C.MAPI_E_NOT_FOUND, "The operation failed. An object could not be found.")
        folder, rec = hit
        return fake._open(rec, folder)

    @property
    def Name(self) -> str:
        hit = self._owner._fake._locate(self._entry_id)
        if hit is None:
            return ""
        props = hit[1].props
        parts = (props.get("FirstName"), props.get("LastName"))
        return props.get("FullName") or " ".join(x for x in parts if x)

    @property
    def Type(self) -> int:
        return C.olContact  # only contacts can be linked (Link interface remarks)


class FakeLinks:
    """``Links`` of one item object (its working copy: saved with the item)."""

    def __init__(self, item: FakeItem):
        self._item = item

    @property
    def Count(self) -> int:
        return len(self._item._rec.links)

    def Item(self, Index: int) -> FakeLink:
        links = self._item._rec.links
        if not 1 <= int(Index) <= len(links):
            raise outlook_error(C.E_FAIL, "Array index out of bounds.")
        return FakeLink(self._item, links[int(Index) - 1])

    def __iter__(self) -> Any:
        return iter([FakeLink(self._item, entry_id) for entry_id in self._item._rec.links])

    def Add(self, Item: Any) -> FakeLink:
        """Links a saved contact; counted as ``calls["Links.Add"]``. Other items are refused (only
        contacts can be linked)."""
        self._item._fake._call("Links.Add")
        if getattr(Item, "Class", None) != C.olContact or not Item.EntryID:
            raise outlook_error(C.E_FAIL, "Only saved contacts can be linked to an item.")
        self._item._rec.links.append(Item.EntryID)
        object.__setattr__(self._item, "_dirty", True)
        return FakeLink(self._item, Item.EntryID)

    def Remove(self, Index: int) -> None:
        self._item._fake._call("Links.Remove")
        links = self._item._rec.links
        if not 1 <= int(Index) <= len(links):
            raise outlook_error(C.E_FAIL, "Array index out of bounds.")
        del links[int(Index) - 1]
        object.__setattr__(self._item, "_dirty", True)
