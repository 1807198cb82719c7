"""Fixtures for the Outlook object-model contract suite.

Every contract test receives ``outlook_app`` and runs against the fake on every platform and, under the
``outlook_com`` marker on Windows with pywin32, against real Outlook. Real runs work in throw-away
sub-folders of the default Calendar/Contacts/Tasks folders and remove them afterwards; DST-specific tests
need Outlook set to "W. Europe Standard Time" and skip otherwise.
"""

from __future__ import annotations

import sys
import uuid
from zoneinfo import ZoneInfo

import pytest

from syncore_outlook import constants as C

BERLIN = "W. Europe Standard Time"


def _real_app():
    win32 = pytest.importorskip("win32com.client")
    if sys.platform != "win32":
        pytest.skip("real Outlook needs Windows")
    return win32.Dispatch("Outlook.Application")


@pytest.fixture(params=[
    pytest.param("fake", id="fake"),
    pytest.param("com", id="com", marks=pytest.mark.outlook_com),
])
def backend(request):
    """``"fake"`` or ``"com"``; which object model the test runs against."""
    return request.param


@pytest.fixture
def fake(backend):
    """The FakeOutlook controller, or None against real Outlook."""
    if backend != "fake":
        return None
    from syncore_outlook.fake import FakeOutlook

    return FakeOutlook(local_zone="Europe/Berlin")


@pytest.fixture
def outlook_app(backend, fake):
    """An ``Outlook.Application`` (protocol :class:`syncore_outlook._protocol.Application`)."""
    return fake.application if fake is not None else _real_app()


@pytest.fixture
def com_error(backend):
    """The exception class COM errors arrive as."""
    if backend == "fake":
        from syncore_outlook.fake import FakeComError

        return FakeComError
    return pytest.importorskip("pywintypes").com_error


@pytest.fixture
def namespace(outlook_app):
    return outlook_app.GetNamespace("MAPI")


@pytest.fixture
def local_zone(outlook_app):
    """Outlook's local zone as ZoneInfo (CLDR map via exchangelib)."""
    from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP

    return ZoneInfo(MS_TIMEZONE_TO_IANA_MAP[outlook_app.TimeZones.CurrentTimeZone.ID])


@pytest.fixture
def berlin(outlook_app):
    """Skip unless Outlook's zone is Europe/Berlin (the fake always is)."""
    if outlook_app.TimeZones.CurrentTimeZone.ID != BERLIN:
        pytest.skip("needs Outlook in W. Europe Standard Time")


def _work_folder(backend, namespace, kind):
    default = namespace.GetDefaultFolder(kind)
    if backend == "fake":
        yield default
        return
    folder = default.Folders.Add(f"syncore-contract-{uuid.uuid4().hex[:8]}", kind)
    try:
        yield folder
    finally:
        folder.Delete()


@pytest.fixture
def calendar(backend, namespace):
    yield from _work_folder(backend, namespace, C.olFolderCalendar)


@pytest.fixture
def contacts(backend, namespace):
    yield from _work_folder(backend, namespace, C.olFolderContacts)


@pytest.fixture
def tasks(backend, namespace):
    yield from _work_folder(backend, namespace, C.olFolderTasks)


@pytest.fixture
def deleted_items(namespace):
    return namespace.GetDefaultFolder(C.olFolderDeletedItems)


@pytest.fixture
def scode():
    """Function giving a com_error's Outlook code: ``excepinfo[5]`` when Outlook raised it, else hresult."""
    def _scode(exc) -> int:
        info = getattr(exc, "excepinfo", None)
        return info[5] if info else exc.hresult
    return _scode
