"""SalesforceAdapter passes syncore's adapter contract through the real simple-salesforce over HTTP."""

from __future__ import annotations

import pytest
from sfadapter_support import LINK_FIELD, make_adapter

from syncore.models import Kind
from syncore.testing import AdapterContract
from syncore.testing.samples import sample_record
from syncore_salesforce._mapping import contacts, events, tasks
from syncore_salesforce.converter import format_datetime
from syncore_salesforce.emulator import SalesforceEmulator

_FROM_SF = {"Event": events.from_sf, "Task": tasks.from_sf, "Contact": contacts.from_sf}
_SOBJECT = {Kind.EVENT: "Event", Kind.TASK: "Task", Kind.CONTACT: "Contact"}


def _wire(row):
    """The emulator's stored row (Python values) in REST wire form, as the adapter reads it."""
    out = {}
    for key, value in row.items():
        if hasattr(value, "hour"):
            out[key] = format_datetime(value)
        elif hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        else:
            out[key] = value
    out.setdefault("Id", "00U000000000000AAA")
    return out


class _SalesforceContract(AdapterContract):
    link_field: str | None = None

    @pytest.fixture
    def emu(self):
        # The clock follows system time here: the contract expects a new version after every write.
        with SalesforceEmulator() as server:
            if self.link_field:
                for sobject in ("Event", "Task", "Contact"):
                    server.add_external_id(sobject, self.link_field)
            yield server
            assert server.errors == [], server.errors[0]

    @pytest.fixture
    def adapter(self, emu):
        adapter = make_adapter(emu, link_field=self.link_field)
        adapter.emu = emu  # for reject_records
        return adapter

    def reject_records(self, adapter, kind, predicate):
        """An org validation rule refusing rows that map back to a record matching ``predicate``.

        Salesforce keeps less than a syncore record (no company on contacts…), so a stored row is matched
        against the contract's sample records as Salesforce represents them.
        """
        candidates = [sample_record(kind, n, now=self.now) for n in range(40)]
        sobject = _SOBJECT[kind]

        def rule(name, row):
            item = _FROM_SF[name](_wire(row))
            record = getattr(item, "record", None)
            return record is not None and any(
                predicate(c) for c in candidates if adapter.represent(c) == record)

        adapter.emu.faults.add_validation_rule(rule, "Rejected by the contract's validation rule", ["Subject"],
                                               sobject)


class TestSalesforceContract(_SalesforceContract):
    """Without an External ID field: plain creates, link_ids false."""


class TestSalesforceContractWithLinkField(_SalesforceContract):
    """With an External ID field: creates are upserts on it, link_ids true."""

    link_field = LINK_FIELD
