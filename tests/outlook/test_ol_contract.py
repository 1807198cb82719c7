"""OutlookComAdapter passes syncore's adapter conformance suite against the fake Outlook."""

from __future__ import annotations

import pytest

from syncore.models import Kind
from syncore.testing import AdapterContract
from syncore_outlook import OutlookComAdapter
from syncore_outlook import constants as C
from syncore_outlook.fake import FakeClock, FakeComError, FakeOutlook

#: the property holding each kind's name (the contract's rejection marker goes there)
_NAME_PROPERTY = {Kind.EVENT: "Subject", Kind.TASK: "Subject", Kind.CONTACT: "LastName"}
_MESSAGE_CLASS = {Kind.EVENT: C.MESSAGE_CLASS_APPOINTMENT, Kind.CONTACT: C.MESSAGE_CLASS_CONTACT,
                  Kind.TASK: C.MESSAGE_CLASS_TASK}


class TestOutlookComAdapterContract(AdapterContract):
    @pytest.fixture
    def fake(self):
        return FakeOutlook(local_zone="Europe/Berlin", clock=FakeClock(self.now))

    @pytest.fixture
    def clock(self, fake):
        return fake.clock

    @pytest.fixture
    def adapter(self, fake):
        return OutlookComAdapter(fake.application)

    @pytest.fixture
    def reject_records(self, fake):
        def reject(kind, marker):
            # Outlook refuses the Save of matching items (E_FAIL, as for an invalid item), every time.
            error = FakeComError(C.DISP_E_EXCEPTION, "Exception occurred.",
                                 (4096, "Microsoft Outlook", "The item cannot be saved.", None, 0, C.E_FAIL))
            def match(item):
                return (item.MessageClass == _MESSAGE_CLASS[kind]
                        and marker in (getattr(item, _NAME_PROPERTY[kind]) or ""))

            fake.inject_error("Save", error, times=-1, match=match)

        return reject


class TestOutlookComAdapterContractWithTaskRecurrence(TestOutlookComAdapterContract):
    """With ``task_recurrence`` on: recurring tasks round-trip as one TaskItem with its RecurrencePattern."""

    @pytest.fixture
    def adapter(self, fake):
        return OutlookComAdapter(fake.application, task_recurrence=True)
