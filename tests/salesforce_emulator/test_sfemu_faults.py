"""Fault injection, request log, replication endpoints and the clock."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests
from sfemu_support import T0
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceMalformedRequest


def test_server_errors_for_next_n_requests(emu, sf):
    emu.faults.server_error(n=1, status=503)
    emu.faults.server_error(n=1, status=500)
    with pytest.raises(SalesforceGeneralError) as info:
        sf.query("SELECT Id FROM Contact")
    assert info.value.status == 503
    assert info.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    with pytest.raises(SalesforceGeneralError) as info:
        sf.query("SELECT Id FROM Contact")
    assert info.value.status == 500
    assert info.value.content[0]["errorCode"] == "UNKNOWN_EXCEPTION"
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0
    assert [e.counted for e in emu.requests] == [False, False, True]


def test_dropped_connection(emu, sf):
    emu.faults.drop_connections(1)
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.query("SELECT Id FROM Contact")
    assert emu.requests[-1].status is None
    assert sf.query("SELECT Id FROM Contact")["done"] is True


def test_lost_reply_does_the_write_then_closes_the_socket(emu):
    """``lose_replies``: the collection create is processed, the client sees only a closed connection."""
    emu.faults.lose_replies(1, op="composite_create")
    http = emu.session()
    token = emu.issue_token()
    url = f"{emu.instance_url}/services/data/v59.0/query/?q=SELECT+Id+FROM+Contact"
    # another operation passes untouched
    assert http.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    body = {"allOrNone": False, "records": [{"attributes": {"type": "Contact"}, "LastName": "Lost"}]}
    with pytest.raises(requests.exceptions.ConnectionError):
        http.post(f"{emu.instance_url}/services/data/v59.0/composite/sobjects", json=body,
                  headers={"Authorization": f"Bearer {token}"})
    assert [row["LastName"] for row in emu.all("Contact")] == ["Lost"], "the write happened"
    again = http.post(f"{emu.instance_url}/services/data/v59.0/composite/sobjects", json=body,
                      headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 200, "one reply lost, then normal service"


def test_latency(emu, sf):
    emu.faults.set_latency(0.2)
    started = time.monotonic()
    sf.query("SELECT Id FROM Contact")
    assert time.monotonic() - started >= 0.2
    emu.faults.set_latency(0)


def test_row_lock_single_and_collection(emu, sf):
    rid = emu.insert("Contact", {"LastName": "Locked"})
    emu.faults.lock_rows(2)
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Contact.update(rid, {"Title": "x"})
    assert info.value.content[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"
    result = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "records": [
                {"attributes": {"type": "Contact"}, "LastName": "first"},
                {"attributes": {"type": "Contact"}, "LastName": "second"},
            ]
        },
    )
    assert result[0]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
    assert result[1]["success"] is True
    assert sf.Contact.update(rid, {"Title": "x"}) == 204


def test_custom_validation_rule(emu, sf):
    rule = emu.faults.add_validation_rule(
        lambda sobject, rec: (rec.get("Title") or "") == "Forbidden",
        message="Title may not be Forbidden",
        fields=["Title"],
        sobject="Contact",
    )
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Contact.create({"LastName": "x", "Title": "Forbidden"})
    assert info.value.content == [
        {
            "message": "Title may not be Forbidden",
            "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "fields": ["Title"],
        }
    ]
    emu.faults.remove_validation_rule(rule)
    assert sf.Contact.create({"LastName": "x", "Title": "Forbidden"})["success"] is True


def test_backdated_commit_is_missed_by_a_plain_watermark(emu, sf):
    emu.clock.freeze(T0)  # frozen: this test pins exact SystemModstamp values
    emu.insert("Contact", {"LastName": "before"})
    emu.clock.advance(timedelta(minutes=10))
    watermark = emu.clock.now()
    emu.faults.backdate_commits(timedelta(minutes=2))
    late = sf.Contact.create({"LastName": "late commit"})["id"]
    assert emu.get("Contact", late)["SystemModstamp"] == "2026-11-24T15:08:00.000+0000"
    wm = watermark.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sf.query(f"SELECT Id FROM Contact WHERE SystemModstamp > {wm}")["records"] == []
    overlap = (watermark - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [
        r["Id"] for r in sf.query(f"SELECT Id FROM Contact WHERE SystemModstamp > {overlap}")["records"]
    ] == [late]
    # Direct access can back-date too.
    old = emu.insert("Contact", {"LastName": "imported"}, system_modstamp=T0 - timedelta(days=1))
    assert emu.get("Contact", old)["SystemModstamp"] == "2026-11-23T15:00:00.000+0000"


def test_invalidated_query_locator(emu, sf):
    for i in range(201):
        emu.insert("Contact", {"LastName": f"n{i}"})
    first = sf.query("SELECT Id FROM Contact", headers={"Sforce-Query-Options": "batchSize=200"})
    emu.invalidate_query_locators()
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert info.value.content[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_request_log_entries(emu, sf):
    emu.reset_log()
    sf.query(
        "SELECT Id FROM Contact WHERE LastName = 'a b'", headers={"Sforce-Query-Options": "batchSize=500"}
    )
    rid = sf.Contact.create({"LastName": "Logged"})["id"]
    sf.Contact.update(rid, {"Title": "x"})
    entries = emu.requests
    assert [(e.method, e.operation, e.status) for e in entries] == [
        ("GET", "query", 200),
        ("POST", "sobject_create", 201),
        ("PATCH", "sobject_update", 204),
    ]
    q = entries[0]
    assert q.path == "/services/data/v59.0/query/"
    assert q.q == "SELECT Id FROM Contact WHERE LastName = 'a b'"
    assert q.sobject == "Contact"
    assert q.headers["Authorization"] == "Bearer <redacted>"
    assert q.headers["Sforce-Query-Options"] == "batchSize=500"
    assert sf.session_id not in repr(entries)
    assert entries[1].body_size == len('{"LastName": "Logged"}')
    assert entries[2].path == f"/services/data/v59.0/sobjects/Contact/{rid}"
    assert emu.count(sobject="Contact") == 3
    assert emu.count(method="PATCH") == 1
    assert emu.count(counted=True) == 3
    emu.reset_log()
    assert emu.requests == []


def test_trailing_slash_optional(emu, sf):
    token = sf.session_id
    s = emu.session()
    for path in ("sobjects/Contact/describe", "sobjects/Contact/describe/", "limits", "limits/"):
        resp = s.get(
            f"{emu.instance_url}/services/data/v59.0/{path}", headers={"Authorization": f"Bearer {token}"}
        )
        assert resp.status_code == 200, path


def test_updated_and_deleted_replication(emu, sf):
    emu.clock.freeze(T0)  # frozen: this test pins exact SystemModstamp values
    a = sf.Contact.create({"LastName": "A"})["id"]
    emu.clock.advance(timedelta(minutes=3))
    b = sf.Contact.create({"LastName": "B"})["id"]
    sf.Contact.delete(a)
    emu.clock.advance(timedelta(minutes=2, seconds=30))
    start, end = T0 - timedelta(minutes=1), emu.clock.now()
    updated = sf.Contact.updated(start, end)
    assert updated == {"ids": [b], "latestDateCovered": "2026-11-24T15:05:00.000+0000"}
    deleted = sf.Contact.deleted(start, end)
    assert deleted["deletedRecords"] == [{"deletedDate": "2026-11-24T15:03:00.000+0000", "id": a}]
    assert deleted["latestDateCovered"] == "2026-11-24T15:05:00.000+0000"
    assert deleted["earliestDateAvailable"] == "2026-11-09T15:05:00.000+0000"
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Contact.updated(T0 - timedelta(days=31), end)
    assert info.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"
    with pytest.raises(SalesforceMalformedRequest):
        sf.Contact.deleted(T0 - timedelta(days=16), end)
    emu.purge()
    with pytest.raises(SalesforceMalformedRequest):
        sf.Contact.deleted(start, end)  # before earliestDateAvailable after the purge


def test_replication_id_limit():
    from syncore_salesforce.emulator import SalesforceEmulator

    with SalesforceEmulator(start_time=T0, replication_id_limit=2) as emu:
        for i in range(3):
            emu.insert("Contact", {"LastName": str(i)})
        emu.clock.advance(timedelta(minutes=2))
        sf = emu.client()
        with pytest.raises(SalesforceMalformedRequest) as info:
            sf.Contact.updated(T0 - timedelta(minutes=1), T0 + timedelta(minutes=1))
        assert info.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_clock_runs_in_real_time_and_freezes_on_request(emu):
    """The org clock runs like a real org's: it starts at start_time and ticks; set/advance move it and it
    keeps running; freeze() stops it for a test about one instant. Millisecond precision throughout."""
    first = emu.clock.now()
    assert T0 <= first < T0 + timedelta(minutes=1)
    time.sleep(0.01)
    assert emu.clock.now() > first, "the clock runs"
    moved = emu.clock.advance(timedelta(hours=1))
    assert moved >= first + timedelta(hours=1)
    stopped = emu.clock.freeze(T0 + timedelta(hours=2))
    assert stopped == T0 + timedelta(hours=2)
    time.sleep(0.01)
    assert emu.clock.now() == stopped, "a frozen clock stays put"
    emu.clock.advance(0.0015)
    assert emu.clock.now() == stopped + timedelta(milliseconds=1)  # millisecond precision
    emu.clock.unfreeze()
    time.sleep(0.01)
    assert emu.clock.now() > stopped + timedelta(milliseconds=1)
    with pytest.raises(ValueError):
        emu.clock.set(T0.replace(tzinfo=None))


def test_concurrent_clients(emu):
    import threading

    errors = []

    def work(n):
        try:
            sf = emu.client()
            for i in range(10):
                sf.Contact.create({"LastName": f"t{n}-{i}"})
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(emu.all("Contact")) == 50
    assert len({r["Id"] for r in emu.all("Contact")}) == 50


def test_fault_api_aliases_and_rejected_sessions(emu):
    from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceRefusedRequest

    sf = emu.login_client()
    emu.faults.reject_sessions(2)
    # The password client re-logs in on each 401 and succeeds on the third try.
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0
    assert emu.count("login") == 3
    emu.faults.reject_sessions(100)
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT COUNT() FROM Contact")  # Salesforce._call_salesforce gives up after 3 retries
    emu.faults.clear()
    emu.faults.expire_sessions()
    direct = emu.client()
    emu.insert("Contact", {"LastName": "x"})
    rid = emu.insert("Contact", {"LastName": "y"})
    emu.delete("Contact", rid)
    assert emu.faults.purge("Contact") == 1
    emu.faults.exhaust_quota()
    with pytest.raises(SalesforceRefusedRequest):
        direct.query("SELECT Id FROM Contact")


def _contacts(*names: str) -> dict:
    return {"allOrNone": False, "records": [{"attributes": {"type": "Contact"}, "LastName": n} for n in names]}


def test_lost_reply_writes_then_closes_without_an_answer(emu, sf):
    """lose_replies: the request is processed (the records exist), then the socket closes with no status line,
    so the client cannot know its write was made (issue 11 item 2)."""
    emu.faults.lose_replies(1, op="composite_create")
    sf.query("SELECT Id FROM Contact")  # another operation is not affected
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.restful("composite/sobjects", method="POST", json=_contacts("Ada", "Grace"))
    assert sorted(r["LastName"] for r in emu.all("Contact")) == ["Ada", "Grace"]
    lost = emu.requests[-1]
    assert (lost.operation, lost.status, lost.fault, lost.counted) == ("composite_create", None, "lose", True)
    result = sf.restful("composite/sobjects", method="POST", json=_contacts("Edsger"))
    assert result[0]["success"] is True and len(emu.all("Contact")) == 3


def test_lost_reply_on_a_single_record_update(emu, sf):
    rid = emu.insert("Contact", {"LastName": "Before"})
    emu.faults.lose_replies(op="sobject_update")
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.Contact.update(rid, {"LastName": "After"})
    assert emu.get("Contact", rid)["LastName"] == "After"


def test_server_error_only_on_one_endpoint(emu, sf):
    """``op`` restricts a fault to one operation: "503 only on composite updates"."""
    rid = emu.insert("Contact", {"LastName": "Kept"})
    emu.faults.server_error(2, status=503, op="composite_update")
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 1
    update = {"allOrNone": False, "records": [{"attributes": {"type": "Contact"}, "Id": rid, "Title": "x"}]}
    for _ in range(2):
        with pytest.raises(SalesforceGeneralError) as info:
            sf.restful("composite/sobjects", method="PATCH", json=update)
        assert info.value.status == 503
    assert emu.get("Contact", rid)["Title"] is None, "a 503 is answered before processing"
    assert sf.restful("composite/sobjects", method="PATCH", json=update)[0]["success"] is True
    assert emu.count("composite_update", status=503) == 2 and emu.count("query", status=503) == 0


def test_dropped_connection_only_at_login(emu):
    emu.faults.drop_connections(1, op="login")
    with pytest.raises(requests.exceptions.ConnectionError):
        emu.login_client()
    assert emu.count("login", fault="drop") == 1
    assert emu.login_client().query("SELECT Id FROM Contact")["totalSize"] == 0
