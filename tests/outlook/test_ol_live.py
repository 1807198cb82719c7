"""The adapter contract against real Outlook over COM (marker ``outlook_com``; Windows with pywin32 only).

Run on Windows with Outlook open: ``pytest -m outlook_com tests/outlook``. Every test works in throw-away
sub-folders of the default Calendar, Contacts and Tasks folders and deletes them afterwards.
"""

from __future__ import annotations

import sys
import uuid

import pytest

from syncore.models import Kind
from syncore.testing import AdapterContract
from syncore_outlook import OutlookComAdapter
from syncore_outlook import constants as C

pytestmark = pytest.mark.outlook_com

_DEFAULT = {Kind.EVENT: C.olFolderCalendar, Kind.CONTACT: C.olFolderContacts, Kind.TASK: C.olFolderTasks}


@pytest.fixture
def real_outlook():
    """A connected adapter (its COM thread and Application) on the user's real Outlook."""
    if sys.platform != "win32":
        pytest.skip("real Outlook needs Windows")
    pytest.importorskip("win32com.client")
    adapter = OutlookComAdapter.connect()
    yield adapter
    adapter.close()


class TestRealOutlookContract(AdapterContract):
    @pytest.fixture
    def adapter(self, real_outlook):
        name = f"syncore-test-{uuid.uuid4().hex[:8]}"
        runner, app = real_outlook._runner, real_outlook._app
        created: list[str] = []

        def make_folders() -> None:
            namespace = app.GetNamespace("MAPI")
            for default in _DEFAULT.values():
                created.append(namespace.GetDefaultFolder(default).Folders.Add(name, default).EntryID)

        def remove_folders() -> None:
            namespace = app.GetNamespace("MAPI")
            for entry_id in created:
                namespace.GetFolderFromID(entry_id).Delete()

        runner.call(make_folders)
        try:
            yield OutlookComAdapter(app, runner=runner, folders=dict.fromkeys(Kind, name))
        finally:
            runner.call(remove_folders)

    # No reject_records fixture: real Outlook offers no per-record fault injection (the contract's tests that
    # need it are skipped, saying so); they run against the fake in test_ol_contract.py.
