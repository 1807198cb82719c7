"""JSON batching (https://learn.microsoft.com/en-us/graph/json-batching) and throttling inside a batch
(https://learn.microsoft.com/en-us/graph/throttling#throttling-and-batching)."""

from __future__ import annotations

from graphemu_support import event_body


def _batch(me, requests):
    return me.post("/$batch", json={"requests": requests})


def test_documented_request_shape_answers_each_request_by_id(me, emu):
    answer = _batch(me, [
        {"id": "1", "method": "GET", "url": "/me/events"},
        {"id": "2", "method": "POST", "url": "/me/events", "body": event_body("from a batch"),
         "headers": {"Content-Type": "application/json"}},
        {"id": "3", "method": "GET", "url": "/me/planner/tasks"},
    ])
    assert answer.status_code == 200
    responses = {r["id"]: r for r in answer.json()["responses"]}
    assert responses["1"]["status"] == 200 and responses["2"]["status"] == 201
    assert responses["2"]["body"]["subject"] == "from a batch"
    assert responses["3"]["status"] >= 400  # one failed request does not fail the batch
    # "Individual responses might appear in a different order than the requests"
    assert [r["id"] for r in answer.json()["responses"]] != ["1", "2", "3"]
    assert emu.count("batch") == 1 and len(emu.subrequests) == 3


def test_malformed_batches_fail_as_a_whole_with_400(me, emu):
    too_many = [{"id": str(n), "method": "GET", "url": "/me/events"} for n in range(21)]
    assert _batch(me, too_many).status_code == 400  # "limited to 20 individual requests"
    twice = [{"id": "a", "method": "GET", "url": "/me/events"}, {"id": "A", "method": "GET", "url": "/me/events"}]
    assert _batch(me, twice).status_code == 400  # ids are unique, "Not case-sensitive"
    no_type = [{"id": "1", "method": "POST", "url": "/me/events", "body": event_body()}]
    assert _batch(me, no_type).status_code == 400  # a body needs a Content-Type header
    assert emu.items("event") == []


def test_depends_on_orders_requests_and_a_failed_dependency_fails_with_424(me, emu):
    answer = _batch(me, [
        {"id": "1", "method": "POST", "url": "/me/events", "body": {"subject": "no times", "bogus": 1},
         "headers": {"Content-Type": "application/json"}},
        {"id": "2", "dependsOn": ["1"], "method": "POST", "url": "/me/events", "body": event_body("second"),
         "headers": {"Content-Type": "application/json"}},
    ]).json()
    statuses = {r["id"]: r["status"] for r in answer["responses"]}
    assert statuses == {"1": 400, "2": 424}
    assert emu.items("event") == []


def test_a_throttled_sub_request_answers_429_with_its_own_retry_after_inside_a_200(me, emu):
    emu.faults.throttle(op="event_create", in_batch=True, retry_after=7)
    answer = _batch(me, [
        {"id": str(n), "method": "POST", "url": "/me/events", "body": event_body(f"E{n}"),
         "headers": {"Content-Type": "application/json"}} for n in range(3)
    ])
    assert answer.status_code == 200
    throttled = [r for r in answer.json()["responses"] if r["status"] == 429]
    assert len(throttled) == 1 and throttled[0]["headers"]["Retry-After"] == "7"
    assert len(emu.items("event")) == 2  # the throttled one was not processed


def test_sub_requests_carry_their_own_prefer_headers(me, emu):
    created = me.post("/me/events", json=event_body()).json()
    answer = _batch(me, [
        {"id": "1", "method": "GET", "url": f"/me/events/{created['id']}"},
        {"id": "2", "method": "GET", "url": f"/me/events/{created['id']}", "headers": {"Prefer": 'IdType="ImmutableId"'}},
    ]).json()
    bodies = {r["id"]: r["body"] for r in answer["responses"]}
    assert bodies["2"]["id"] == created["id"] and bodies["1"]["id"] != created["id"]
