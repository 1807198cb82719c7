"""Item objects: AppointmentItem, ContactItem, TaskItem as pywin32 dynamic-dispatch objects.

An item object is a working copy of a stored :class:`~._records.Record`, like an opened MAPI message:
property writes stay on the copy until ``Save()``. Unknown members raise ``AttributeError`` as pywin32's
dynamic dispatch does (there is no ``BodyFormat`` on these items, reference §3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import constants as C
from ._errors import no_attribute, outlook_error
from ._rtf import plain_rtf, rtf_to_text
from ._userprops import FakePropertyAccessor, FakeUserProperties

if TYPE_CHECKING:
    from ._app import FakeOutlook
    from ._records import FolderData, Record

# Generic property kinds: str, int, bool, local (instant shown as local wall), date (date-only, 4501 = none).
COMMON_PROPS = {
    "Subject": "str", "Importance": "int", "Sensitivity": "int", "Mileage": "str",
    "BillingInformation": "str", "Companies": "str",
}
COMMON_RO_PROPS = {"LastModificationTime": "local", "CreationTime": "local"}


class FakeItem:
    """Base for the three item types; see module docstring."""

    _ITEM_TYPE: int
    _CLASS: int
    _MESSAGE_CLASS: str
    _PROPS: dict[str, str] = {}
    _RO_PROPS: dict[str, str] = {}
    _DEFAULTS: dict[str, Any] = {}
    _GUARDED: frozenset[str] = frozenset({"Body", "RTFBody", "PropertyAccessor"})
    #: specials implemented as _get_X / _set_X
    _SPECIAL: frozenset[str] = frozenset({
        "EntryID", "MessageClass", "Class", "Saved", "Body", "RTFBody", "Categories", "UserProperties",
        "PropertyAccessor", "Parent", "Session", "Application",
    })

    def __init__(self, fake: FakeOutlook, rec: Record, folder: FolderData | None):
        object.__setattr__(self, "_fake", fake)
        object.__setattr__(self, "_rec", rec)
        object.__setattr__(self, "_folder", folder)
        object.__setattr__(self, "_gone", False)
        object.__setattr__(self, "_dirty", not rec.entry_id)

    # --- dispatch ---------------------------------------------------------------------------------------
    @classmethod
    def has_property(cls, name: str) -> bool:
        return name in cls._PROPS or name in cls._RO_PROPS or name in cls._SPECIAL

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if not self.has_property(name):
            raise no_attribute(name)
        self._alive()
        if name in self._GUARDED:
            self._fake._guard(name)
        self._fake._count(self._rec.entry_id, name)
        getter = getattr(type(self), "_get_" + name, None)
        if getter is not None:
            return getter(self)
        kind = self._PROPS.get(name) or self._RO_PROPS[name]
        return self._read(kind, self._rec.props.get(name, self._DEFAULTS.get(name)))

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        if not self.has_property(name):
            raise AttributeError(f"Property '<unknown>.{name}' can not be set.")
        self._alive()
        setter = getattr(type(self), "_set_" + name, None)
        if setter is not None:
            setter(self, value)
        elif name in self._PROPS:
            self._rec.props[name] = self._write(self._PROPS[name], value)
        else:
            raise outlook_error(C.E_FAIL, f"Property {name} is read-only.")
        object.__setattr__(self, "_dirty", True)

    def _alive(self) -> None:
        if self._gone:
            raise outlook_error(C.MAPI_E_OBJECT_DELETED, "The item has been moved or deleted.")

    def _read(self, kind: str, value: Any) -> Any:
        t = self._fake.time
        if kind == "str":
            return value or ""
        if kind == "int":
            return int(value or 0)
        if kind == "bool":
            return bool(value)
        if kind == "local":
            return t.date_out(None) if value is None else t.local_out(value)
        if kind == "date":
            return t.date_out(value)
        raise AssertionError(kind)

    def _write(self, kind: str, value: Any) -> Any:
        t = self._fake.time
        if kind == "str":
            return "" if value is None else str(value)
        if kind == "int":
            return int(value)
        if kind == "bool":
            return bool(value)
        if kind == "local":
            wall = t.to_wall(value)
            return None if wall.year >= 4500 else t.local_wall_to_instant(wall)
        if kind == "date":
            return t.date_in(value)
        raise AssertionError(kind)

    # --- common specials ---------------------------------------------------------------------------------
    def _get_EntryID(self) -> str:
        return self._rec.entry_id

    def _get_MessageClass(self) -> str:
        return self._MESSAGE_CLASS

    def _get_Class(self) -> int:
        return self._CLASS

    def _get_Saved(self) -> bool:
        return not self._dirty

    def _get_Body(self) -> str:
        return self._rec.props.get("Body", "")

    def _set_Body(self, value: str) -> None:
        # Assigning Body replaces the RTF with plain text: all formatting is lost (reference §3).
        text = "" if value is None else str(value)
        self._rec.props["Body"] = text
        self._rec.props["RTFBody"] = plain_rtf(text) if text else b""

    def _get_RTFBody(self) -> bytes:
        return bytes(self._rec.props.get("RTFBody", b""))

    def _set_RTFBody(self, value: bytes) -> None:
        data = bytes(value)
        self._rec.props["RTFBody"] = data
        self._rec.props["Body"] = rtf_to_text(data) if data else ""

    def _get_Categories(self) -> str:
        return (self._fake.list_separator + " ").join(self._rec.props.get("Categories", ()))

    def _set_Categories(self, value: str) -> None:
        parts = [p.strip() for p in str(value or "").split(self._fake.list_separator)]
        self._rec.props["Categories"] = tuple(p for p in parts if p)

    def _get_UserProperties(self) -> Any:
        return FakeUserProperties(self)

    def _get_PropertyAccessor(self) -> Any:
        return FakePropertyAccessor(self)

    def _get_Parent(self) -> Any:
        return self._fake._folder_obj(self._folder)

    def _get_Session(self) -> Any:
        return self._fake.application.Session

    def _get_Application(self) -> Any:
        return self._fake.application

    # --- methods -----------------------------------------------------------------------------------------
    def Save(self) -> None:
        """Persist the working copy; assigns EntryID (and GlobalAppointmentID) on first save."""
        self._alive()
        self._fake._call("Save", self)
        self._fake._save(self)

    def Delete(self) -> None:
        """Move to Deleted Items (permanent delete when already there)."""
        self._alive()
        self._fake._call("Delete", self)
        self._fake._delete(self)

    def Move(self, DestFldr: Any) -> FakeItem:
        """Move to another folder; returns the moved item (new EntryID, as in an Exchange store)."""
        self._alive()
        return self._fake._move(self, DestFldr._data)

    def Close(self, SaveMode: int = 1) -> None:
        """``olDiscard`` (1) drops unsaved changes; ``olSave`` (0) saves."""
        if SaveMode == 0:
            self.Save()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._rec.entry_id or '(unsaved)'}>"
