"""UserProperties, folder UserDefinedProperties and PropertyAccessor (reference §6, §7)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import constants as C
from ._errors import outlook_error
from ._records import UserPropData
from ._values import dasl_value, split_public_string, user_prop_kind

if TYPE_CHECKING:
    from ._items import FakeItem
    from ._records import FolderData

_TYPES = {C.olText, C.olNumber, C.olDateTime, C.olYesNo, C.olDuration, C.olKeywords, C.olPercent,
          C.olCurrency, C.olInteger}
_BAD_CHARS = set("[]_#")
MAX_NAME = 64  # UserProperties.Add: "The name is at most 64 characters"


def validate_name(name: str) -> None:
    """Reject names Outlook rejects: longer than 64 characters or containing ``[ ] _ #``."""
    if not name or len(name) > MAX_NAME or _BAD_CHARS & set(name):
        raise outlook_error(C.E_INVALIDARG, f"The property name {name!r} is not valid.")


def _default(prop_type: int) -> Any:
    return {"str": "", "float": 0.0, "int": 0, "bool": False, "instant": None, "multi": ()}[
        user_prop_kind(prop_type)]


class FakeUserProperty:
    """``UserProperty`` on one item object; ``Value`` follows pywin32 date rules for olDateTime."""

    def __init__(self, item: FakeItem, data: UserPropData):
        self._item = item
        self._data = data

    @property
    def Name(self) -> str:
        return self._data.name

    @property
    def Type(self) -> int:
        return self._data.type

    @property
    def Value(self) -> Any:
        kind = user_prop_kind(self._data.type)
        t = self._item._fake.time
        if kind == "instant":
            return t.date_out(None) if self._data.value is None else t.local_out(self._data.value)
        if kind == "multi":
            return (self._item._fake.list_separator + " ").join(self._data.value)
        return self._data.value

    @Value.setter
    def Value(self, value: Any) -> None:
        kind = user_prop_kind(self._data.type)
        t = self._item._fake.time
        if kind == "instant":
            wall = t.to_wall(value)
            self._data.value = None if wall.year >= 4500 else t.local_wall_to_instant(wall)
        elif kind == "multi":
            parts = str(value).split(self._item._fake.list_separator)
            self._data.value = tuple(p.strip() for p in parts if p.strip())
        else:
            self._data.value = {"str": str, "float": float, "int": int, "bool": bool}[kind](value)
        object.__setattr__(self._item, "_dirty", True)

    def Delete(self) -> None:
        """Remove the property from the item (on Save)."""
        self._item._rec.user_props.pop(self._data.name.lower(), None)
        object.__setattr__(self._item, "_dirty", True)


class FakeUserProperties:
    """``item.UserProperties``."""

    def __init__(self, item: FakeItem):
        self._item = item

    @property
    def _props(self) -> dict[str, UserPropData]:
        return self._item._rec.user_props

    @property
    def Count(self) -> int:
        return len(self._props)

    def Add(self, Name: str, Type: int, AddToFolderFields: bool = True, DisplayFormat: Any = None) -> Any:
        """Create a property (validated name/type); ``AddToFolderFields`` defines it in the folder too."""
        validate_name(Name)
        if Type not in _TYPES:
            raise outlook_error(C.E_INVALIDARG, f"Unsupported user property type {Type!r}.")
        existing = self._props.get(Name.lower())
        if existing is not None:
            # unverified: Outlook's behaviour for a duplicate Add; the fake returns the existing property
            if existing.type != Type:
                raise outlook_error(C.E_INVALIDARG, f"Property {Name!r} exists with another type.")
            return FakeUserProperty(self._item, existing)
        data = UserPropData(Name, Type, _default(Type))
        self._props[Name.lower()] = data
        if AddToFolderFields and self._item._folder is not None:
            self._item._folder.fields.setdefault(Name.lower(), (Name, Type))
        object.__setattr__(self._item, "_dirty", True)
        return FakeUserProperty(self._item, data)

    def Find(self, Name: str, Custom: bool = True) -> Any:
        """The property, or ``None`` when the item has none by that name."""
        data = self._props.get(str(Name).lower())
        return None if data is None else FakeUserProperty(self._item, data)

    def Item(self, Index: int | str) -> Any:
        if isinstance(Index, int):
            try:
                return FakeUserProperty(self._item, list(self._props.values())[Index - 1])
            except IndexError:
                raise outlook_error(C.E_INVALIDARG, "Array index out of bounds.") from None
        found = self.Find(Index)
        if found is None:
            raise outlook_error(C.MAPI_E_NOT_FOUND, f"The property {Index!r} cannot be found.")
        return found

    def Remove(self, Index: int) -> None:
        key = list(self._props)[Index - 1]
        del self._props[key]
        object.__setattr__(self._item, "_dirty", True)

    def __iter__(self) -> Any:
        return iter([FakeUserProperty(self._item, d) for d in self._props.values()])

    def __len__(self) -> int:
        return self.Count


class FakeUserDefinedProperty:
    """A folder field definition."""

    def __init__(self, name: str, prop_type: int):
        self.Name = name
        self.Type = prop_type


class FakeUserDefinedProperties:
    """``Folder.UserDefinedProperties``: the fields Restrict and GetTable can see by name."""

    def __init__(self, folder: FolderData):
        self._folder = folder

    @property
    def Count(self) -> int:
        return len(self._folder.fields)

    def Add(self, Name: str, Type: int, DisplayFormat: Any = None, Formula: Any = None) -> Any:
        validate_name(Name)
        if Type not in _TYPES:
            raise outlook_error(C.E_INVALIDARG, f"Unsupported user property type {Type!r}.")
        self._folder.fields.setdefault(Name.lower(), (Name, Type))
        return FakeUserDefinedProperty(*self._folder.fields[Name.lower()])

    def Find(self, Name: str) -> Any:
        hit = self._folder.fields.get(Name.lower())
        return None if hit is None else FakeUserDefinedProperty(*hit)

    def Item(self, Index: int | str) -> Any:
        if isinstance(Index, int):
            return FakeUserDefinedProperty(*list(self._folder.fields.values())[Index - 1])
        hit = self.Find(Index)
        if hit is None:
            raise outlook_error(C.MAPI_E_NOT_FOUND, f"Field {Index!r} not found.")
        return hit


class FakePropertyAccessor:
    """``item.PropertyAccessor`` (obtaining it is guard-checked). DASL dates are UTC; binaries are bytes."""

    def __init__(self, item: FakeItem):
        self._item = item

    def GetProperty(self, SchemaName: str) -> Any:
        """Value of one DASL property; raises MAPI_E_NOT_FOUND when absent or unknown."""
        fake = self._item._fake
        fake._count(self._item._rec.entry_id, "PropertyAccessor.GetProperty")
        try:
            found = dasl_value(fake, self._item._rec, SchemaName)
        except KeyError:
            found = None
        if found is None or (found[0] == "bytes" and not found[1]):
            raise outlook_error(C.MAPI_E_NOT_FOUND,
                                f'The property "{SchemaName}" is unknown or cannot be found.')
        kind, value = found
        if kind == "instant":
            return fake.time.date_out(None) if value is None else fake.time.utc_out(value)
        if kind == "date":
            return fake.time.date_out(value)
        return value

    def GetProperties(self, SchemaNames: Any) -> tuple[Any, ...]:
        """Several values in one call; failed entries hold their scode (an int), as Outlook returns them."""
        out = []
        for name in SchemaNames:
            try:
                out.append(self.GetProperty(name))
            except Exception as exc:  # noqa: BLE001 - mirrors Outlook's per-element error values
                out.append(exc.args[2][5] if getattr(exc, "args", None) and len(exc.args) > 2 else C.E_FAIL)
        return tuple(out)

    def SetProperty(self, SchemaName: str, Value: Any) -> None:
        """Write a PublicStrings named property (invisible to ``UserProperties``) or Subject/Body."""
        ps = split_public_string(SchemaName)
        rec = self._item._rec
        if ps is not None:
            if ps[0].lower() in rec.user_props:
                rec.user_props[ps[0].lower()].value = Value
            else:
                rec.named_props[ps[0]] = Value
        elif SchemaName.lower() == C.PR_SUBJECT.lower():
            rec.props["Subject"] = str(Value)
        else:
            raise outlook_error(C.E_FAIL, f'The property "{SchemaName}" cannot be set by the fake.')
        object.__setattr__(self._item, "_dirty", True)

    def SetProperties(self, SchemaNames: Any, Values: Any) -> tuple[Any, ...]:
        for name, value in zip(SchemaNames, Values):
            self.SetProperty(name, value)
        return ()

    def DeleteProperty(self, SchemaName: str) -> None:
        ps = split_public_string(SchemaName)
        if ps is None:
            raise outlook_error(C.E_FAIL, f'The property "{SchemaName}" cannot be deleted.')
        self._item._rec.named_props.pop(ps[0], None)
        self._item._rec.user_props.pop(ps[0].lower(), None)
        object.__setattr__(self._item, "_dirty", True)

    @staticmethod
    def BinaryToString(Value: bytes) -> str:
        return bytes(Value).hex().upper()
