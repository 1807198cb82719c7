"""The adapter under every emulator fault: throttling (whole request and inside a batch), 503, expired delta
tokens, an expired access token, dropped connections and lost replies. Waits go through a recorder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncore.errors import CursorExpired, OutcomeUnknown, TransientError, VersionMismatch
from syncore.models import Contact, Event, Kind, Task
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest

NOW = datetime.now(UTC).replace(microsecond=0)


def _event(n: int) -> Event:
    start = NOW + timedelta(days=2, hours=n)
    return Event(subject=f"E{n}", start=start, end=start + timedelta(minutes=30))


def test_a_throttled_delta_request_is_retried_after_retry_after(emu, adapter, sleeps):
    scan = adapter.full_scan(Kind.EVENT)
    emu.faults.throttle(op="event_delta", retry_after=3)
    adapter.changes(Kind.EVENT, scan.cursor)
    assert sleeps == [3.0]


def test_a_503_with_retry_after_on_a_read_is_retried(emu, adapter, sleeps):
    scan = adapter.full_scan(Kind.CONTACT)
    emu.faults.server_error(op="contact_delta", headers={"Retry-After": "5"})
    adapter.changes(Kind.CONTACT, scan.cursor)
    assert sleeps == [5.0]


def test_throttled_sub_requests_are_sent_again_after_their_retry_after(emu, adapter, sleeps):
    emu.faults.throttle(n=2, op="event_create", in_batch=True, retry_after=4)
    outcomes = adapter.create(Kind.EVENT, [CreateRequest(ref=str(n), record=_event(n)) for n in range(5)])
    assert all(o.ok for o in outcomes) and len({o.id for o in outcomes}) == 5
    assert sleeps == [4.0] and emu.count("batch") == 2
    assert len(emu.items("event")) == 5
    retried = [r for r in emu.subrequests if r.operation == "event_create"]
    assert [r.status for r in retried].count(429) == 2 and len(retried) == 7


def test_expired_delta_token_is_cursor_expired(emu, adapter):
    scan = adapter.full_scan(Kind.TASK)
    emu.expire_delta_tokens()
    with pytest.raises(CursorExpired):
        adapter.changes(Kind.TASK, scan.cursor)
    emu.faults.delta_reset(op="task_delta")
    with pytest.raises(CursorExpired):
        adapter.changes(Kind.TASK, adapter.full_scan(Kind.TASK).cursor)


def test_an_access_token_refused_mid_run_is_renewed_through_msal(emu, make_adapter):
    adapter = make_adapter(auth="app")  # client credentials: a new token (the delegated case is below)
    adapter.full_scan(Kind.EVENT)
    emu.expire_tokens()
    adapter.full_scan(Kind.EVENT)
    assert emu.count("token") == 2
    assert emu.count(status=401) == 1


def test_a_lost_reply_to_event_creates_is_sent_again_without_duplicates(emu, adapter):
    emu.faults.lose_replies(op="batch")
    outcomes = adapter.create(Kind.EVENT, [CreateRequest(ref=str(n), record=_event(n)) for n in range(3)])
    assert all(o.ok for o in outcomes)
    # the first batch was carried out, its answer lost; the repeat met the same transactionIds
    assert len(emu.items("event")) == 3 and emu.count("batch") == 2


def test_a_lost_reply_to_contact_and_task_creates_is_outcome_unknown(emu, adapter):
    for kind, record in ((Kind.CONTACT, Contact(first_name="Ada", last_name="Lovelace")),
                         (Kind.TASK, Task(subject="Call back"))):
        emu.faults.lose_replies(op="batch")
        (outcome,) = adapter.create(kind, [CreateRequest(ref="c", record=record, link="003000000000001AAA")])
        assert isinstance(outcome.error, OutcomeUnknown), outcome.error
        # the write was made: the engine finds it by its link next time
        assert set(adapter.find_by_link(kind, ["003000000000001AAA"])) == {"003000000000001AAA"}


def test_a_5xx_inside_a_batch_of_updates_is_outcome_unknown_for_that_record(emu, adapter):
    created = adapter.create(Kind.EVENT, [CreateRequest(ref=str(n), record=_event(n)) for n in range(2)])
    emu.faults.server_error_in_batch(op="event_update")
    outcomes = adapter.update(Kind.EVENT, [
        UpdateRequest(ref=o.ref, id=o.id, record=_event(int(o.ref)).replace(subject="x"), fields=frozenset({"subject"}),
                      base_version=o.version) for o in created])
    assert isinstance(outcomes[0].error, OutcomeUnknown) and outcomes[1].ok


def test_a_dropped_connection_before_any_answer_is_retried_for_reads(emu, adapter, sleeps):
    adapter.full_scan(Kind.EVENT)
    emu.faults.drop_connections(op="event_delta")
    adapter.full_scan(Kind.EVENT)
    assert len(sleeps) == 1


def test_a_stale_change_key_is_that_records_version_mismatch(emu, adapter):
    created = adapter.create(Kind.EVENT, [CreateRequest(ref=str(n), record=_event(n)) for n in range(2)])
    emu.update(created[0].id, {"subject": "edited in Outlook"})
    outcomes = adapter.update(Kind.EVENT, [
        UpdateRequest(ref=o.ref, id=o.id, record=_event(9), fields=frozenset({"subject"}), base_version=o.version)
        for o in created])
    assert isinstance(outcomes[0].error, VersionMismatch) and outcomes[1].ok
    assert emu.get(created[0].id)["subject"] == "edited in Outlook"


def test_deletes_of_gone_items_succeed_and_lost_deletes_are_repeated(emu, adapter):
    created = adapter.create(Kind.TASK, [CreateRequest(ref=str(n), record=Task(subject=f"T{n}")) for n in range(3)])
    emu.delete(created[0].id)
    emu.reset_log()
    emu.faults.lose_replies(op="batch")
    outcomes = adapter.delete(Kind.TASK, [DeleteRequest(ref=o.ref, id=o.id) for o in created])
    # the repeat of the lost batch finds them gone: deleted, a success (one was gone before)
    assert all(o.ok for o in outcomes)
    assert emu.items("task") == [] and emu.count("batch") == 2


def test_throttling_that_outlasts_the_wait_budget_fails_the_call(emu, make_adapter):
    adapter = make_adapter()
    adapter.client.max_total_wait = 10
    emu.faults.throttle(n=None, op="event_delta", retry_after=6)
    with pytest.raises(TransientError):
        adapter.full_scan(Kind.EVENT)
    emu.faults.clear()


def test_app_only_sign_in_with_a_certificate_and_refusals_are_authentication_errors(sleeps):
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    from syncore.errors import AuthenticationError
    from syncore_graph import GraphAdapter, GraphOptions
    from syncore_graph.emulator import GraphEmulator

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "syncore")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    with GraphEmulator(client_secret=None, certificate_pem=cert_pem) as emu:
        options = GraphOptions(tenant=emu.tenant, client_id=emu.client_id, mailbox=emu.default_upn,
                               graph_url=emu.url, authority_host=emu.url, ca_file=emu.ca_cert_path)
        adapter = GraphAdapter.connect(options, {"private_key": key_pem, "certificate": cert_pem.decode()},
                                       sleep=sleeps)
        assert adapter.full_scan(Kind.CONTACT).complete
        refused = GraphAdapter.connect(options, {"client_secret": "not the app's secret"}, sleep=sleeps)
        with pytest.raises(AuthenticationError, match="invalid_client") as caught:
            refused.full_scan(Kind.CONTACT)
        assert "not the app's secret" not in str(caught.value)


def test_a_delegated_token_refused_mid_run_is_refreshed_with_the_cached_refresh_token(emu, tmp_path, sleeps):
    from syncore_graph import GraphAdapter

    adapter = GraphAdapter.for_emulator(emu, auth="device_code", token_cache=str(tmp_path / "tokens.json"),
                                        sleep=sleeps)
    adapter.full_scan(Kind.CONTACT)
    emu.expire_tokens()
    emu.reset_log()
    adapter.full_scan(Kind.CONTACT)
    # one 401, then msal's refresh token grant (no new sign-in), then the scan
    assert emu.count(status=401) == 1 and emu.count("token") == 1 and emu.count("devicecode") == 0
    # a second adapter on the same cache needs no sign-in either
    again = GraphAdapter.for_emulator(emu, auth="device_code", token_cache=str(tmp_path / "tokens.json"))
    assert again.full_scan(Kind.CONTACT).complete and emu.count("devicecode") == 0
