"""Faults: the shared vocabulary (drop_connections, lose_replies, server_error, latency) and Graph's own
(429 with Retry-After, 410, expired token, mailbox concurrency).

* https://learn.microsoft.com/en-us/graph/throttling (429 + Retry-After; 503 with Retry-After)
* https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits (4 concurrent requests per
  app and mailbox; "Application is over its MailboxConcurrency limit")
"""

from __future__ import annotations

import threading

import httpx
import pytest
from graphemu_support import event_body


def test_a_throttled_request_answers_429_with_retry_after_and_is_not_processed(me, emu):
    emu.faults.throttle(op="event_create", retry_after=3)
    answer = me.post("/me/events", json=event_body())
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "3"
    assert answer.json()["error"]["code"] == "TooManyRequests" and emu.items("event") == []
    assert me.post("/me/events", json=event_body()).status_code == 201


def test_503_only_on_the_operation_named(me, emu):
    emu.faults.server_error(op="event_delta", headers={"Retry-After": "2"})
    assert me.get("/me/events").status_code == 200
    answer = me.get("/me/calendarView/delta", params={"startDateTime": "2026-12-01T00:00:00Z",
                                                      "endDateTime": "2026-12-31T00:00:00Z"})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "2"


def test_a_dropped_connection_does_nothing_and_a_lost_reply_does_the_write(me, emu):
    emu.faults.drop_connections(op="event_create")
    with pytest.raises(httpx.RemoteProtocolError):
        me.post("/me/events", json=event_body("dropped"))
    assert emu.items("event") == []
    emu.faults.lose_replies(op="event_create")
    with pytest.raises(httpx.RemoteProtocolError):
        me.post("/me/events", json=event_body("lost"))
    assert [e["subject"] for e in emu.items("event")] == ["lost"]


def test_expired_token_fault(me, emu):
    emu.faults.expired_token(op="event_list")
    assert me.get("/me/events").status_code == 401
    assert me.get("/me/events").status_code == 200


def test_more_than_four_concurrent_requests_per_mailbox_are_throttled(emu):
    from graphemu_support import client

    emu.processing_delay = 0.3
    token = emu.issue_token()
    statuses = []
    barrier = threading.Barrier(6)

    def call():
        with client(emu, token) as http:
            barrier.wait()
            statuses.append(http.get("/me/events").status_code)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses).count(200) >= 4 and 429 in statuses
    assert emu.peak_concurrency == 4


def test_chunked_request_bodies_are_read_whole(me, emu):
    import json

    payload = json.dumps(event_body("chunked")).encode()
    answer = me.post("/me/events", content=iter([payload[:10], payload[10:]]),
                     headers={"Content-Type": "application/json"})
    assert answer.status_code == 201 and answer.json()["subject"] == "chunked"


def test_a_sub_request_whose_batch_answer_is_lost_was_carried_out(me, emu):
    emu.faults.lose_in_batch(op="event_create")
    with pytest.raises(httpx.RemoteProtocolError):
        me.post("/$batch", json={"requests": [
            {"id": "1", "method": "POST", "url": "/me/events", "body": event_body("made"),
             "headers": {"Content-Type": "application/json"}}]})
    assert [e["subject"] for e in emu.items("event")] == ["made"]


def test_a_5xx_for_one_sub_request_leaves_the_others_alone(me, emu):
    emu.faults.server_error_in_batch(op="event_create", status=503)
    answer = me.post("/$batch", json={"requests": [
        {"id": str(n), "method": "POST", "url": "/me/events", "body": event_body(f"E{n}"),
         "headers": {"Content-Type": "application/json"}} for n in range(2)]}).json()
    assert sorted(r["status"] for r in answer["responses"]) == [201, 503] and len(emu.items("event")) == 1
