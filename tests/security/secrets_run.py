"""Run every adapter's sign-in flows against its emulator with nothing but ``logging.basicConfig(DEBUG)``.

Run as a script by ``test_secrets_in_output.py``: ``python secrets_run.py OUT_DIR SECRETS_FILE``. Everything a
user could see goes to this process's stdout/stderr (every logger's records at DEBUG, exception tracebacks)
or into OUT_DIR (state file, plan files); the secrets used are written to SECRETS_FILE, outside OUT_DIR, for
the test to search for.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from syncore import SyncEngine
from syncore.errors import SyncoreError
from syncore.models import Event, Kind
from syncore.settings import SyncSettings
from syncore.state import SqliteStateStore
from syncore.testing import MemoryAdapter
from syncore_exchange import ExchangeAdapter
from syncore_exchange.emulator import EwsEmulator, clear_protocol_cache
from syncore_salesforce import SalesforceAdapter
from syncore_salesforce.emulator import SalesforceEmulator

SF_PASSWORD = "Sf-Passw0rd-9f3c2a"
SF_TOKEN = "SfSecurityTok3n8d1e"
EWS_PASSWORD = "Ews-Passw0rd-71b5e0"
EWS_ACCESS_TOKEN = "ews-access-token-5c9a1f0e7d"
EWS_REFRESH_TOKEN = "ews-refresh-token-0b8e3d6c2a"
START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)


def _events(prefix: str, n: int = 2) -> list[Event]:
    return [Event(subject=f"{prefix} {i}", start=START + timedelta(hours=i), end=START + timedelta(hours=i, minutes=30))
            for i in range(n)]


def _sync(name: str, crm, out: Path, *, pim=None, expire=None) -> None:
    """Create, plan to a file, sync again after the session expired, and log a failure with its traceback."""
    pim = pim or MemoryAdapter(name="pim", formatted_bodies=True)
    if isinstance(pim, MemoryAdapter):
        for event in _events(name):
            pim.put(event)
    state = SqliteStateStore(out / f"{name}.db")
    engine = SyncEngine(pim=pim, crm=crm, state=state, settings=SyncSettings())
    result = engine.sync(Kind.EVENT)
    print(f"{name}: {result.summary}")
    plan = engine.plan(Kind.EVENT)
    plan.save(out / "plans" / f"{name}.json")
    if expire is not None:
        expire()
    print(f"{name} after expiry: {engine.sync(Kind.EVENT).summary}")
    state.close()


def _fails(what: str, build) -> None:
    try:
        build()
    except SyncoreError:
        logging.getLogger("secrets_run").exception("%s failed (expected)", what)
        traceback.print_exc()


def salesforce(out: Path, found: dict[str, list[str]]) -> None:
    with SalesforceEmulator(users={"syncore@example.com": (SF_PASSWORD, SF_TOKEN)}) as emu:
        user = emu.auth.user()

        def session() -> requests.Session:
            return emu.session()

        password = SalesforceAdapter.login(username=user.username, password=SF_PASSWORD, security_token=SF_TOKEN,
                                           session=session())
        _sync("sf-password", password, out, expire=emu.expire_sessions)
        oauth = SalesforceAdapter.login(username=user.username, password=SF_PASSWORD, security_token=SF_TOKEN,
                                        consumer_key=emu.consumer_key, consumer_secret=emu.consumer_secret,
                                        session=session())
        _sync("sf-oauth", oauth, out, expire=emu.expire_sessions)
        private_key = emu.auth.grants.jwt_key_pair().decode()
        # as from a settings file (the key text from credentials), wired to the in-process emulator
        jwt = SalesforceAdapter.login(username=user.username, consumer_key=emu.consumer_key, session=session(),
                                      jwt_private_key=private_key, lazy=True)
        _sync("sf-jwt", jwt, out, expire=emu.expire_sessions)
        refresh_token = emu.auth.grants.issue_refresh_token(user.username)
        refreshed = SalesforceAdapter.login(refresh_token=refresh_token, consumer_key=emu.consumer_key,
                                            consumer_secret=emu.consumer_secret, session=session())
        _sync("sf-refresh", refreshed, out, expire=emu.expire_sessions)
        _fails("wrong password", lambda: SalesforceAdapter.login(
            username=user.username, password=SF_PASSWORD + "x", security_token=SF_TOKEN, session=session()))
        _fails("wrong consumer secret", lambda: SalesforceAdapter.login(
            username=user.username, password=SF_PASSWORD, security_token=SF_TOKEN, consumer_key=emu.consumer_key,
            consumer_secret=emu.consumer_secret + "x", session=session()))
        emu.auth.grants.revoke_refresh_tokens()
        _fails("revoked refresh token", lambda: SalesforceAdapter.login(
            refresh_token=refresh_token, consumer_key=emu.consumer_key, session=session()))
        found["salesforce"] = [SF_PASSWORD, SF_TOKEN, SF_PASSWORD + "x", emu.consumer_secret, refresh_token,
                               private_key.splitlines()[1], *emu.auth.issued]


def exchange(out: Path, found: dict[str, list[str]]) -> None:
    mailbox = "owner@example.com"
    with EwsEmulator(mailboxes=(mailbox,), password=EWS_PASSWORD, tokens={EWS_ACCESS_TOKEN: mailbox}) as ews:
        basic = ExchangeAdapter.connect(mailbox, password=EWS_PASSWORD, service_endpoint=ews.url, auth_type="basic",
                                        version=(15, 1, 2507, 6), default_timezone="UTC")
        _sync("ews-basic", MemoryAdapter(name="crm"), out, pim=basic)
        clear_protocol_cache()
        bearer = ExchangeAdapter.connect(
            mailbox, token={"access_token": EWS_ACCESS_TOKEN, "refresh_token": EWS_REFRESH_TOKEN,
                            "token_type": "Bearer", "expires_at": time.time() + 3600},
            service_endpoint=ews.url, auth_type="oauth2", version=(15, 1, 2507, 6), default_timezone="UTC")
        _sync("ews-oauth", MemoryAdapter(name="crm"), out, pim=bearer)
        clear_protocol_cache()
        _fails("wrong Exchange password", lambda: ExchangeAdapter.connect(
            mailbox, password=EWS_PASSWORD + "x", service_endpoint=ews.url, auth_type="basic",
            version=(15, 1, 2507, 6), default_timezone="UTC").full_scan(Kind.EVENT))
        clear_protocol_cache()
        found["exchange"] = [EWS_PASSWORD, EWS_PASSWORD + "x", EWS_ACCESS_TOKEN, EWS_REFRESH_TOKEN]


def graph(out: Path, found: dict[str, list[str]]) -> None:
    """App-only (client secret), a device code sign-in with its token cache, a token expiring mid-run, and a
    refused secret: every token the identity platform issued is searched for."""
    import tempfile

    from syncore_graph import GraphAdapter, GraphOptions
    from syncore_graph.emulator import GraphEmulator

    secret = "graph-client-secret-4e1f9a7c2b"
    with GraphEmulator(client_secret=secret) as emu:
        app = GraphAdapter.for_emulator(emu)
        _sync("graph-app", MemoryAdapter(name="crm"), out, pim=app, expire=emu.expire_tokens)
        cache = Path(tempfile.mkdtemp()) / "graph-tokens.json"  # outside OUT_DIR: it holds tokens on purpose
        delegated = GraphAdapter.for_emulator(emu, auth="device_code", token_cache=str(cache))
        _sync("graph-device-code", MemoryAdapter(name="crm"), out, pim=delegated, expire=emu.expire_tokens)
        options = GraphOptions(tenant=emu.tenant, client_id=emu.client_id, mailbox=emu.default_upn,
                               graph_url=emu.url, authority_host=emu.url, ca_file=emu.ca_cert_path)
        _fails("wrong Graph client secret", lambda: GraphAdapter.connect(
            options, {"client_secret": secret + "x"}).full_scan(Kind.EVENT))
        found["graph"] = [secret, secret + "x", *emu.identity.issued]


def main() -> None:
    logging.basicConfig(level=logging.DEBUG)  # the only logging set-up: what a user debugging a sync does
    out, secrets_file = Path(sys.argv[1]), Path(sys.argv[2])
    found: dict[str, list[str]] = {}
    salesforce(out, found)
    exchange(out, found)
    graph(out, found)
    secrets_file.write_text(json.dumps(found), encoding="utf-8")


if __name__ == "__main__":
    main()
