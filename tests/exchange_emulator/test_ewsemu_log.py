"""Request log, direct-edit API, folder lookups and the exchangelib protocol-cache helper."""

from __future__ import annotations

import pytest
from exchangelib.folders import Calendar, Contacts, Tasks
from exchangelib.items import Task

from syncore_exchange.emulator import EwsEmulator


def test_folder_lookups(emu, account):
    assert isinstance(account.calendar, Calendar) and isinstance(account.contacts, Contacts)
    assert isinstance(account.tasks, Tasks)
    assert account.root.name == "Root" and account.msg_folder_root.name == "Top of Information Store"
    folders = [(r.operation, r.folder, r.mailbox) for r in emu.requests]
    assert ("GetFolder", "root", "user@example.com") in folders
    assert ("GetFolder", "calendar", "user@example.com") in folders


def test_request_log_records(emu, account):
    _ = account.tasks  # warm up the folder cache
    emu.reset_log()
    items = account.bulk_create(
        folder=account.tasks, items=[Task(account=account, subject=f"t{i}") for i in range(3)]
    )
    list(account.fetch(items, only_fields=["subject"]))
    account.bulk_delete(items)
    list(account.tasks.sync_items(max_changes_returned=7))
    records = emu.requests
    assert [r.operation for r in records] == ["CreateItem", "GetItem", "DeleteItem", "SyncFolderItems"]
    create, get, delete, sync = records
    assert (create.folder, create.item_count, create.returned, create.codes) == (
        "tasks",
        3,
        3,
        ["NoError"] * 3,
    )
    assert create.attrs["SendMeetingInvitations"] == "SendToNone" and create.user == "user@example.com"
    assert (get.item_count, get.returned) == (3, 3)
    assert delete.attrs["DeleteType"] == "HardDelete"
    assert sync.attrs["MaxChangesReturned"] == "7" and sync.returned == 0
    assert emu.request_counts() == {"CreateItem": 1, "GetItem": 1, "DeleteItem": 1, "SyncFolderItems": 1}
    assert emu.count("GetItem") == 1
    emu.reset_log()
    assert emu.requests == [] and emu.count("GetItem") == 0


def test_direct_edit_api(emu):
    item_id = emu.create_item(
        folder="contacts", fields={"display_name": "A", "PhoneNumbers": {"HomePhone": "1"}}
    )
    snap = emu.get_item(item_id)
    assert (
        snap["kind"] == "Contact" and snap["folder"] == "contacts" and snap["mailbox"] == "user@example.com"
    )
    assert snap["fields"]["DisplayName"] == "A" and snap["fields"]["PhoneNumbers"] == {"HomePhone": "1"}
    ck = emu.update_item(
        item_id, {"DisplayName": "B", "PhoneNumbers": {"MobilePhone": "2"}, "GivenName": None}
    )
    snap2 = emu.get_item(item_id)
    assert ck == snap2["changekey"] != snap["changekey"]
    assert snap2["fields"]["PhoneNumbers"] == {"HomePhone": "1", "MobilePhone": "2"}
    assert [i["id"] for i in emu.items("contacts")] == [item_id]
    emu.delete_item(item_id)
    assert emu.get_item(item_id) is None and emu.items("contacts") == []
    with pytest.raises(KeyError):
        emu.update_item(item_id, {"DisplayName": "C"})
    with pytest.raises(KeyError):
        emu.create_item(folder="tasks", fields={"no_such_field": 1})


def test_concurrent_clients(emu):
    from concurrent.futures import ThreadPoolExecutor

    account = emu.account(max_connections=4)
    _ = account.tasks  # warm up the folder cache
    for _ in range(3):
        account.protocol.increase_poolsize()  # exchangelib starts with one session

    def work(n):
        task = Task(account=account, folder=account.tasks, subject=f"c{n}")
        task.save()
        task.subject = f"c{n}!"
        task.save(update_fields=["subject"])
        return task.id

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(work, range(20)))
    assert len(set(ids)) == 20
    assert sorted(i["fields"]["Subject"] for i in emu.items("tasks")) == sorted(f"c{n}!" for n in range(20))
    changes = list(account.tasks.sync_items(only_fields=["subject"]))
    assert len(changes) == 20 and {c for c, _ in changes} == {"create"}


def test_reset_and_record_xml():
    with EwsEmulator(record_xml=True) as emu:
        account = emu.account()
        Task(account=account, folder=account.tasks, subject="x").save()
        record = emu.requests[-1]
        assert (
            b"<t:Subject>x</t:Subject>" in record.request_xml and b"CreateItemResponse" in record.response_xml
        )
        emu.faults.server_busy(n=None)
        emu.reset()
        assert emu.items("tasks") == [] and emu.requests == [] and emu.faults.pending == []
        assert list(account.tasks.sync_items()) == []


def test_unsupported_restriction_fails_loudly(emu):
    import requests

    body = """<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"
  xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Body>
  <m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
    <m:Restriction><t:Excludes><t:FieldURI FieldURI="item:Subject"/><t:Bitmask Value="1"/></t:Excludes>
    </m:Restriction>
    <m:ParentFolderIds><t:DistinguishedFolderId Id="tasks"/></m:ParentFolderIds></m:FindItem>
</s:Body></s:Envelope>"""
    emu.create_item(folder="tasks", fields={"Subject": "x"})
    reply = requests.post(emu.url, data=body.encode(), auth=("user@example.com", "secret"), timeout=10)
    assert reply.status_code == 200 and b"ErrorUnsupportedQueryFilter" in reply.content
    missing = requests.post(emu.url, data=body.encode(), timeout=10)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Basic")


def test_direct_edit_all_day_event(emu):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from exchangelib import EWSDate, EWSTimeZone

    berlin = ZoneInfo("Europe/Berlin")
    item_id = emu.create_item(
        folder="calendar",
        fields={
            "Subject": "Holiday",
            "IsAllDayEvent": True,
            "Start": dt.datetime(2025, 3, 12, tzinfo=berlin),
            "End": dt.datetime(2025, 3, 13, tzinfo=berlin),  # exclusive, as EWS stores it
            "StartTimeZone": berlin,
            "EndTimeZone": "W. Europe Standard Time",
        },
    )
    account = emu.account(default_timezone=EWSTimeZone("Europe/Berlin"))
    got = account.calendar.get(id=item_id)
    assert got.is_all_day and (got.start, got.end) == (EWSDate(2025, 3, 12), EWSDate(2025, 3, 12))
    with pytest.raises(TypeError):
        emu.create_item(folder="calendar", fields={"Start": dt.date(2025, 3, 12)})
