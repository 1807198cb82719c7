"""OutlookComAdapter passes syncore's adapter conformance suite against the fake Outlook."""

from __future__ import annotations

import pytest

from syncore.models import Kind
from syncore.testing import AdapterContract
from syncore_outlook import OutlookComAdapter
from syncore_outlook import constants as C
from syncore_outlook.fake import FakeComError, FakeOutlook


class TestOutlookComAdapterContract(AdapterContract):
    @pytest.fixture
    def adapter(self):
        fake = FakeOutlook(local_zone="Europe/Berlin")
        adapter = OutlookComAdapter(fake.application)
        adapter.fake = fake  # type: ignore[attr-defined]  # for reject_records
        return adapter

    def reject_records(self, adapter, kind, predicate):
        # Outlook refuses the Save of matching items (E_FAIL, as for an invalid item), every time.
        mapping_read = adapter._mapping(kind).read
        error = FakeComError(C.DISP_E_EXCEPTION, "Exception occurred.",
                             (4096, "Microsoft Outlook", "The item cannot be saved.", None, 0, C.E_FAIL))
        message_class = {Kind.EVENT: C.MESSAGE_CLASS_APPOINTMENT, Kind.CONTACT: C.MESSAGE_CLASS_CONTACT,
                         Kind.TASK: C.MESSAGE_CLASS_TASK}[kind]
        adapter.fake.inject_error(
            "Save", error, times=-1,
            match=lambda item: item.MessageClass == message_class and predicate(mapping_read(item, adapter.clock)),
        )
