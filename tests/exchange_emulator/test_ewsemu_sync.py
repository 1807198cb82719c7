"""SyncFolderItems through exchangelib's ``folder.sync_items``: paging, collapsing, states, direct edits."""

from __future__ import annotations

import datetime as dt

import pytest
from exchangelib import HTMLBody
from exchangelib.errors import ErrorInvalidSyncStateData
from exchangelib.items import Contact, Task

UTC = dt.UTC
CHEAP = ["subject", "last_modified_time"]


def _event(emu, i, **extra):
    return emu.create_item(
        folder="calendar",
        fields={
            "Subject": f"e{i}",
            "Start": dt.datetime(2025, 1, 1, 9, tzinfo=UTC),
            "End": dt.datetime(2025, 1, 1, 10, tzinfo=UTC),
            **extra,
        },
    )


def _sync(folder, state=None, **kw):
    folder.item_sync_state = state  # exchangelib falls back to the folder's cached state when state is None
    changes = list(folder.sync_items(sync_state=state, **kw))
    return changes, folder.item_sync_state


def test_initial_and_incremental_sync(emu, account):
    ids = [_event(emu, i, Body=("HTML", "<p>secret body</p>")) for i in range(3)]
    changes, state = _sync(account.calendar, only_fields=CHEAP + ["body"])
    assert [(c, i.id) for c, i in changes] == [("create", x) for x in ids]
    assert all(i.body is None for _, i in changes)  # Body never comes with sync results
    assert changes[0][1].subject == "e0"
    emu.reset_log()

    changes, state2 = _sync(account.calendar, state, only_fields=CHEAP)
    assert changes == [] and state2 == state
    assert emu.request_counts() == {"SyncFolderItems": 1}  # no-change sync costs one call

    emu.update_item(ids[0], {"Subject": "changed"})
    emu.delete_item(ids[1])
    new_id = _event(emu, 9)
    changes, _state3 = _sync(account.calendar, state2, only_fields=CHEAP)
    assert [(c, getattr(i, "id", None)) for c, i in changes] == [
        ("update", ids[0]),
        ("delete", ids[1]),
        ("create", new_id),
    ]
    assert changes[0][1].subject == "changed"


def test_changes_collapse_per_item(emu, account):
    _, state = _sync(account.tasks)
    a = emu.create_item(folder="tasks", fields={"Subject": "a"})
    emu.update_item(a, {"Subject": "a2"})
    b = emu.create_item(folder="tasks", fields={"Subject": "b"})
    emu.delete_item(b)
    changes, _ = _sync(account.tasks, state, only_fields=["subject"])
    assert [(c, i.subject) for c, i in changes] == [("create", "a2")]


def test_paging_1200_changes_in_pages_of_512(emu, account):
    ids = [emu.create_item(folder="contacts", fields={"DisplayName": f"c{i}"}) for i in range(1200)]
    emu.reset_log()
    changes, _state = _sync(account.contacts, only_fields=["display_name"], max_changes_returned=512)
    assert len(changes) == 1200 and {i.id for _, i in changes} == set(ids)
    syncs = [r for r in emu.requests if r.operation == "SyncFolderItems"]
    assert [r.returned for r in syncs] == [512, 512, 176]
    assert [r.attrs["IncludesLastItemInRange"] for r in syncs] == ["false", "false", "true"]


def test_small_pages_and_partial_consumption(emu, account):
    for i in range(5):
        _event(emu, i)
    emu.reset_log()
    changes, state = _sync(account.calendar, only_fields=CHEAP, max_changes_returned=2)
    assert len(changes) == 5 and emu.count("SyncFolderItems") == 3

    # A crash mid-page: the generator is abandoned, the folder's state does not advance, replay is complete.
    for i in range(5, 8):
        _event(emu, i)
    folder = account.calendar
    folder.item_sync_state = state
    gen = folder.sync_items(only_fields=CHEAP, max_changes_returned=2)
    next(gen)
    gen.close()
    assert folder.item_sync_state == state
    changes, _ = _sync(folder, state, only_fields=CHEAP, max_changes_returned=2)
    assert [i.subject for _, i in changes] == ["e5", "e6", "e7"]


def test_ignore_list(emu, account):
    _, state = _sync(account.tasks)
    a = emu.create_item(folder="tasks", fields={"Subject": "a"})
    b = emu.create_item(folder="tasks", fields={"Subject": "b"})
    changes, _ = _sync(account.tasks, state, only_fields=["subject"], ignore=[(a, None)])
    assert [i.id for _, i in changes] == [b]


def test_client_writes_show_up_in_sync(emu, account):
    _, state = _sync(account.contacts)
    c = Contact(account=account, folder=account.contacts, display_name="X", sf_id="003X")
    c.save()
    changes, state = _sync(account.contacts, state, only_fields=["display_name", "sf_id"])
    assert [(k, i.display_name, i.sf_id) for k, i in changes] == [("create", "X", "003X")]
    c.display_name = "Y"
    c.save(update_fields=["display_name"])
    changes, state = _sync(account.contacts, state, only_fields=["display_name", "changekey"])
    assert [(k, i.display_name, i.changekey) for k, i in changes] == [("update", "Y", c.changekey)]
    c.delete()
    changes, _ = _sync(account.contacts, state)
    assert [k for k, _ in changes] == ["delete"]


def test_sync_with_all_fields_requested(emu, account):
    """Without only_fields exchangelib asks for every field (~100 FieldURIs); unknown ones are ignored."""
    t = Task(account=account, folder=account.tasks, subject="full", body=HTMLBody("<b>x</b>"))
    t.save()
    changes, _ = _sync(account.tasks)
    ((kind, item),) = changes
    assert kind == "create" and item.subject == "full" and item.body is None and item.status == "NotStarted"


def test_invalid_sync_state(emu, account):
    with pytest.raises(ErrorInvalidSyncStateData):
        _sync(account.calendar, "bm90IGEgc3RhdGU=")
    _event(emu, 1)
    _, state = _sync(account.calendar)
    # A state from another folder is not valid here.
    with pytest.raises(ErrorInvalidSyncStateData):
        _sync(account.tasks, state)
    # Expired state: the documented recovery is a full resync with sync_state=None.
    emu.invalidate_sync_states("calendar")
    with pytest.raises(ErrorInvalidSyncStateData):
        _sync(account.calendar, state)
    changes, _ = _sync(account.calendar, None, only_fields=CHEAP)
    assert [i.subject for _, i in changes] == ["e1"]
