"""Object Model Guard denials and other COM errors become clear syncore errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncore.errors import AuthenticationError, NotFound, RecordRejected, TransientError
from syncore.models import Kind, Task
from syncore.remote import CreateRequest, UpdateRequest
from syncore_outlook import ObjectModelGuardError, OutlookComAdapter
from syncore_outlook import constants as C
from syncore_outlook.errors import translate
from syncore_outlook.fake import FakeComError

START = datetime(2026, 11, 2, 9, tzinfo=UTC)


def outlook_error(scode: int) -> FakeComError:
    return FakeComError(C.DISP_E_EXCEPTION, "Exception occurred.", (4096, "Microsoft Outlook", "boom", None, 0, scode))


def _assert_explains_guard(error: BaseException) -> None:
    assert isinstance(error, ObjectModelGuardError) and isinstance(error, AuthenticationError)
    text = str(error)
    assert "Object Model Guard" in text and "Programmatic Access" in text and "antivirus" in text
    assert isinstance(error.__cause__, FakeComError)


def test_guard_denying_everything_stops_the_scan_with_the_fix(fake):
    fake.user_create("tasks", Subject="x")
    fake.guard = "deny"
    with pytest.raises(ObjectModelGuardError) as info:
        OutlookComAdapter(fake.application).full_scan(Kind.TASK)
    _assert_explains_guard(info.value)


def test_guard_denying_bodies_stops_the_feed_instead_of_blanking_them(fake, outlook):
    eid = fake.user_create("calendar", Subject="x", Start=START, End=START + timedelta(hours=1), Body="keep me")
    cursor = outlook.full_scan(Kind.EVENT).cursor
    fake.user_edit(eid, Subject="y")
    fake.guard = lambda member: member not in ("Body", "RTFBody")
    with pytest.raises(ObjectModelGuardError) as info:
        outlook.changes(Kind.EVENT, cursor)
    _assert_explains_guard(info.value)
    assert fake.record(eid).props["Body"] == "keep me"


def test_guard_denial_during_writes_stops_the_batch(fake, outlook):
    fake.guard = "deny"  # PropertyAccessor (the version read after Save) is guarded
    with pytest.raises(ObjectModelGuardError):
        outlook.create(Kind.TASK, [CreateRequest(ref="1", record=Task(subject="a"))])


def test_busy_outlook_is_transient(fake, outlook):
    fake.inject_error("GetTable")
    with pytest.raises(TransientError) as info:
        outlook.full_scan(Kind.TASK)
    assert info.value.retry_after and "RPC_E_CALL_REJECTED" in str(info.value)


def test_failed_save_is_a_per_record_rejection(fake, outlook):
    fake.inject_error("Save", outlook_error(C.E_FAIL), times=1)
    outcomes = outlook.create(Kind.TASK, [CreateRequest(ref=str(n), record=Task(subject=f"t{n}")) for n in range(3)])
    assert [o.ok for o in outcomes] == [False, True, True]
    assert isinstance(outcomes[0].error, RecordRejected) and "E_FAIL" in str(outcomes[0].error)


def test_update_of_unknown_item_is_not_found(outlook):
    (out,) = outlook.update(Kind.TASK, [UpdateRequest(ref="u", id="00" * 40, record=Task(subject="x"),
                                                      fields=frozenset({"subject"}))])
    assert isinstance(out.error, NotFound)


def test_stale_version_is_refused(fake, outlook):
    eid = fake.user_create("tasks", Subject="x")
    remote = outlook.fetch(Kind.TASK, [eid])[eid]
    fake.user_edit(eid, Subject="edited in Outlook")
    (out,) = outlook.update(Kind.TASK, [UpdateRequest(ref="u", id=eid, record=remote.record.replace(subject="CRM"),
                                                      fields=frozenset({"subject"}), base_version=remote.version)])
    assert type(out.error).__name__ == "VersionMismatch"
    assert fake.record(eid).props["Subject"] == "edited in Outlook"


@pytest.mark.parametrize(("scode", "expected"), [
    (C.MAPI_E_NOT_SUPPORTED, ObjectModelGuardError),
    (C.MAPI_E_NOT_FOUND, NotFound),
    (C.MAPI_E_OBJECT_DELETED, NotFound),
    (C.E_FAIL, RecordRejected),
    (C.E_INVALIDARG, RecordRejected),
])
def test_translation_by_outlook_code(scode, expected):
    assert type(translate(outlook_error(scode), "x")) is expected


def test_bare_hresult_is_translated_too():
    busy = FakeComError(C.RPC_E_CALL_REJECTED, "Call was rejected by callee.", None, None)
    assert isinstance(translate(busy, "x"), TransientError)


def test_guard_on_real_outlook_shaped_error_from_a_different_class():
    class ComError(Exception):  # pywintypes.com_error's shape, not the fake's class
        def __init__(self, *args):
            super().__init__(*args)
            self.hresult, self.strerror, self.excepinfo, self.argerror = args

    error = ComError(C.DISP_E_EXCEPTION, "Exception occurred.", (0, "Outlook", "denied", None, 0,
                                                                C.MAPI_E_NOT_SUPPORTED), None)
    assert isinstance(translate(error, "Body"), ObjectModelGuardError)



def test_busy_outlook_during_a_save_fails_that_record_only(fake, outlook):
    fake.inject_error("Save")  # RPC_E_CALL_REJECTED once
    outcomes = outlook.create(Kind.TASK, [CreateRequest(ref=str(n), record=Task(subject=f"t{n}")) for n in range(2)])
    assert isinstance(outcomes[0].error, TransientError) and outcomes[1].ok
    assert len(fake.entry_ids("tasks")) == 1
