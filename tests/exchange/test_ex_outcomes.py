"""Writes whose answer never came: OutcomeUnknown, never a blind repeat of a create (issue 11 item 2).

The shared fault names: ``drop_connections`` (closed unprocessed), ``lose_replies`` (processed, then closed
without an answer), ``server_error`` (an HTTP 5xx that is not an EWS answer). From the client's side a dropped
and a lost reply look the same after sending, so both are OutcomeUnknown for a write; a failure before
anything was sent (no connection) stays a plain TransientError.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncore.errors import OutcomeUnknown, TransientError
from syncore.models import Kind
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest
from syncore.testing.samples import sample_record
from syncore_exchange import ExchangeAdapter
from syncore_exchange.emulator import EwsEmulator

NOW = datetime(2031, 3, 3, 8, tzinfo=UTC)


def _creates(n, start=0):
    return [CreateRequest(ref=str(i), record=sample_record(Kind.TASK, i, now=NOW), link=f"L{i}")
            for i in range(start, start + n)]


@pytest.mark.parametrize("fault", ["lose_replies", "drop_connections"])
def test_create_without_an_answer_is_outcome_unknown_and_sent_once(emu, adapter, sleeps, fault):
    adapter.folder(Kind.TASK)
    getattr(emu.faults, fault)(op="CreateItem")
    with pytest.raises(OutcomeUnknown):
        adapter.create(Kind.TASK, _creates(2))
    assert emu.count("CreateItem") == 1 and sleeps == []  # never repeated blindly
    # lose_replies: the server made them; drop_connections: it did not. The caller cannot tell: unknown.
    assert len(emu.items("tasks")) == (2 if fault == "lose_replies" else 0)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_create_answered_by_a_bare_5xx_is_outcome_unknown(emu, adapter, sleeps, status):
    adapter.folder(Kind.TASK)
    emu.faults.server_error(status=status, op="CreateItem")
    with pytest.raises(OutcomeUnknown):
        adapter.create(Kind.TASK, _creates(1))
    assert emu.count("CreateItem") == 1


@pytest.mark.parametrize("code", ["ErrorInternalServerError", "ErrorInternalServerTransientError"])
def test_create_the_server_failed_while_working_on_is_outcome_unknown(emu, adapter, sleeps, code):
    adapter.folder(Kind.TASK)
    emu.faults.soap_fault(code, op="CreateItem")  # HTTP 500 with a SOAP fault: after sending
    with pytest.raises(OutcomeUnknown):
        adapter.create(Kind.TASK, _creates(1))
    assert emu.count("CreateItem") == 1 and sleeps == []


def test_soap_server_busy_on_create_was_not_processed_and_is_retried(emu, adapter, sleeps):
    adapter.folder(Kind.TASK)
    emu.faults.server_busy(back_off_ms=250, op="CreateItem")
    outcomes = adapter.create(Kind.TASK, _creates(2))
    assert all(o.ok for o in outcomes) and sleeps == [0.25] and len(emu.items("tasks")) == 2


def test_lost_update_reply_is_repeated_and_recognised_as_done(emu, adapter, sleeps):
    (created,) = adapter.create(Kind.TASK, _creates(1))
    record = sample_record(Kind.TASK, 0, now=NOW).replace(subject="renamed")
    emu.faults.lose_replies(op="UpdateItem")
    (outcome,) = adapter.update(Kind.TASK, [UpdateRequest(ref="u", id=created.id, record=record,
                                                          fields=frozenset({"subject"}),
                                                          base_version=created.version)])
    # the conditional repeat meets the new change key; the item already holds the values: done
    assert outcome.ok and outcome.version == emu.get_item(created.id)["changekey"]
    assert emu.get_item(created.id)["fields"]["Subject"] == "renamed"


def test_updates_and_deletes_that_never_get_an_answer_end_outcome_unknown(emu, make_adapter, sleeps):
    adapter = make_adapter(max_attempts=2)
    (created,) = adapter.create(Kind.TASK, _creates(1))
    emu.faults.lose_replies(n=None, op="DeleteItem")
    with pytest.raises(OutcomeUnknown):
        adapter.delete(Kind.TASK, [DeleteRequest(ref="d", id=created.id)])
    assert emu.count("DeleteItem") == 2


def test_nothing_sent_is_a_plain_transient_error():
    emu = EwsEmulator().start()
    adapter = ExchangeAdapter.for_emulator(emu, sleep=lambda seconds: None, max_attempts=1)
    adapter.folder(Kind.TASK)
    emu.stop()  # the port is closed: no connection, nothing sent
    with pytest.raises(TransientError) as info:
        adapter.create(Kind.TASK, _creates(1))
    assert not isinstance(info.value, OutcomeUnknown)


def test_create_whose_answer_times_out_is_outcome_unknown(emu, adapter, sleeps):
    adapter.folder(Kind.TASK)
    # exchangelib documents Protocol.TIMEOUT as the read timeout to change
    adapter.account.protocol.TIMEOUT = 0.3
    emu.faults.latency(0.6, n=1, op="CreateItem")
    with pytest.raises(OutcomeUnknown):
        adapter.create(Kind.TASK, _creates(1))
    assert emu.count("CreateItem") == 1 and sleeps == []
