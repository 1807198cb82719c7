"""The default Calendar / Contacts / Tasks folders, or another folder per kind."""

from __future__ import annotations

import pytest
from olsupport import gid

from syncore.errors import ConfigurationError
from syncore.models import Kind, Task
from syncore.remote import CreateRequest
from syncore.testing.samples import sample_record
from syncore_outlook import OutlookComAdapter
from syncore_outlook import constants as C
from syncore_outlook.adapter import OutlookOptions


def test_default_folders(fake, outlook):
    for kind, folder in ((Kind.EVENT, "calendar"), (Kind.CONTACT, "contacts"), (Kind.TASK, "tasks")):
        (out,) = outlook.create(kind, [CreateRequest(ref="r", record=sample_record(kind, 1, now=fake.clock.now()))])
        assert [gid(fake, e) for e in fake.entry_ids(folder)] == [out.id]


def test_sub_folder_by_path(fake):
    tasks = fake.application.Session.GetDefaultFolder(C.olFolderTasks)
    crm = tasks.Folders.Add("CRM").Folders.Add("Sync")
    fake.user_create("tasks", Subject="in the default folder")
    adapter = OutlookComAdapter(fake.application, folders={Kind.TASK: "CRM/Sync"})
    (out,) = adapter.create(Kind.TASK, [CreateRequest(ref="t", record=Task(subject="synced"))])
    assert out.id in fake.entry_ids(crm)
    assert [item.record.subject for item in adapter.full_scan(Kind.TASK).upserts] == ["synced"]


def test_folder_by_entry_id(fake):
    calendar = fake.application.Session.GetDefaultFolder(C.olFolderCalendar)
    other = calendar.Folders.Add("Team")
    adapter = OutlookComAdapter(fake.application, folders={Kind.EVENT: other.EntryID})
    assert adapter.full_scan(Kind.EVENT).upserts == ()
    assert adapter._folder(Kind.EVENT) == other


def test_items_outside_the_folder_are_not_fetched(fake):
    tasks = fake.application.Session.GetDefaultFolder(C.olFolderTasks)
    tasks.Folders.Add("Sync")
    outside = fake.user_create("tasks", Subject="default folder")
    adapter = OutlookComAdapter(fake.application, folders={Kind.TASK: "Sync"})
    assert adapter.fetch(Kind.TASK, [outside]) == {}


def test_unknown_folder_is_a_configuration_error(fake):
    adapter = OutlookComAdapter(fake.application, folders={Kind.TASK: "Nope"})
    with pytest.raises(ConfigurationError, match="Nope"):
        adapter.full_scan(Kind.TASK)


def test_settings_options_are_validated_before_connecting():
    options = OutlookComAdapter.parse_options(
        {"kinds": ["event", "task"], "folders": {"event": "CRM/Sync"}, "link_property": "SalesforceId"})
    assert options == OutlookOptions(kinds=(Kind.EVENT, Kind.TASK), folders={Kind.EVENT: "CRM/Sync"},
                                     link_property="SalesforceId")
    for bad, key in (({"kinds": ["meeting"]}, "options.kinds"), ({"kinds": "event"}, "options.kinds"),
                     ({"folders": {"note": "x"}}, "options.folders.note"), ({"folder": "x"}, "options.folder"),
                     ({"link_property": "a_b"}, "options.link_property")):
        with pytest.raises(ConfigurationError) as caught:
            OutlookComAdapter.parse_options(bad)
        assert caught.value.key == key
    # no credentials at all: Outlook uses the signed-in profile; refused before Outlook is started
    with pytest.raises(ConfigurationError, match="allowed: none"):
        OutlookComAdapter.from_config({}, {"password": "x"})
