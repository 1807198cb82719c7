"""The fake exposes every member the typed protocol declares (guards against drift between the two)."""

from __future__ import annotations

import inspect

import pytest

from syncore_outlook import _protocol as P
from syncore_outlook import constants as C
from syncore_outlook.fake import FakeOutlook


def _members(proto: type) -> set[str]:
    names: set[str] = set()
    for klass in proto.__mro__:
        if klass in (object,) or not getattr(klass, "_is_protocol", False):
            continue
        names |= set(getattr(klass, "__annotations__", {}))
        names |= {n for n, v in vars(klass).items()
                  if not n.startswith("_") and (inspect.isfunction(v) or isinstance(v, property))}
    return names


def _has(obj: object, name: str) -> bool:
    has_property = getattr(type(obj), "has_property", None)
    if has_property is not None and has_property(name):
        return True
    return hasattr(type(obj), name) or name in vars(obj)


@pytest.fixture
def objects():
    fake = FakeOutlook()
    app = fake.application
    ns = app.Session
    cal = ns.GetDefaultFolder(C.olFolderCalendar)
    appt = cal.Items.Add()
    appt.Save()
    table = cal.GetTable()
    return {
        P.Application: app, P.NameSpace: ns, P.Folder: cal, P.Items: cal.Items, P.Table: table,
        P.Columns: table.Columns, P.Row: table.GetNextRow(), P.AppointmentItem: appt,
        P.ContactItem: ns.GetDefaultFolder(C.olFolderContacts).Items.Add(),
        P.TaskItem: ns.GetDefaultFolder(C.olFolderTasks).Items.Add(),
        P.UserProperties: appt.UserProperties, P.UserProperty: appt.UserProperties.Add("X", C.olText),
        P.PropertyAccessor: appt.PropertyAccessor, P.TimeZones: app.TimeZones,
        P.TimeZone: app.TimeZones.CurrentTimeZone, P.RecurrencePattern: appt.GetRecurrencePattern(),
        P.Folders: cal.Folders, P.UserDefinedProperties: cal.UserDefinedProperties,
    }


def test_fake_implements_every_protocol_member(objects):
    missing = {proto.__name__: sorted(n for n in _members(proto) if not _has(obj, n))
               for proto, obj in objects.items()}
    assert {k: v for k, v in missing.items() if v} == {}
