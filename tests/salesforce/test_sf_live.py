"""Live tests against a real org (marker ``live_salesforce``); see docs/salesforce.md.

Skipped unless SF_USERNAME + SF_PASSWORD + SF_SECURITY_TOKEN (optionally SF_DOMAIN, e.g. ``test``) or
SF_SESSION_ID + SF_INSTANCE_URL are set. Every record they create is deleted again.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from syncore.errors import AuthenticationError
from syncore.models import Contact, Event, Kind, Task
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest
from syncore_salesforce import SalesforceAdapter

pytestmark = pytest.mark.live_salesforce

_PASSWORD_VARS = ("SF_USERNAME", "SF_PASSWORD", "SF_SECURITY_TOKEN")
_SESSION_VARS = ("SF_SESSION_ID", "SF_INSTANCE_URL")
HAVE_PASSWORD = all(os.environ.get(v) for v in _PASSWORD_VARS)
HAVE_SESSION = all(os.environ.get(v) for v in _SESSION_VARS)

if not (HAVE_PASSWORD or HAVE_SESSION):
    pytest.skip("live Salesforce tests need SF_USERNAME/SF_PASSWORD/SF_SECURITY_TOKEN or SF_SESSION_ID/"
                "SF_INSTANCE_URL", allow_module_level=True)


@pytest.fixture
def adapter():
    if HAVE_PASSWORD:
        built = SalesforceAdapter.login(username=os.environ["SF_USERNAME"], password=os.environ["SF_PASSWORD"],
                                        security_token=os.environ["SF_SECURITY_TOKEN"],
                                        domain=os.environ.get("SF_DOMAIN", "login"))
    else:
        built = SalesforceAdapter.login(session_id=os.environ["SF_SESSION_ID"],
                                        instance_url=os.environ["SF_INSTANCE_URL"])
    yield built
    built.close()


def _marker() -> str:
    return f"syncore-live-{uuid.uuid4().hex[:8]}"


def test_live_round_trip_and_change_feed(adapter):
    tag = _marker()
    start = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    records = {
        Kind.EVENT: Event(subject=tag, start=start, end=start + timedelta(minutes=45), reminder_minutes=15),
        Kind.TASK: Task(subject=tag, due=start.date()),
        Kind.CONTACT: Contact(first_name="Live", last_name=tag),
    }
    for kind, record in records.items():
        cursor = adapter.full_scan(kind).cursor
        # the feed's read is a Composite of Get Updated and queryAll: a real org answered a latestDateCovered
        # (else the feed fell back on its fixed overlap: the window or an end ahead of now was refused)
        assert json.loads(cursor)["cov"], "Get Updated gave no latestDateCovered inside Composite"
        (created,) = adapter.create(kind, [CreateRequest(ref="c", record=record)])
        assert created.ok, created.error
        try:
            assert adapter.fetch(kind, [created.id])[created.id].record == adapter.represent(record)
            field = "last_name" if kind is Kind.CONTACT else "subject"
            changed = record.replace(**{field: tag + "-changed"})
            (updated,) = adapter.update(kind, [UpdateRequest(ref="u", id=created.id, record=changed,
                                                             fields=frozenset({field}))])
            assert updated.ok, updated.error
            feed = adapter.changes(kind, cursor)
            assert created.id in {u.id for u in feed.upserts}
        finally:
            (deleted,) = adapter.delete(kind, [DeleteRequest(ref="d", id=created.id)])
            assert deleted.ok
        assert created.id in adapter.changes(kind, feed.cursor).deletions


def test_live_fresh_feed_queries_are_accepted(adapter):
    """A fresh read (the default) once a minute is covered reads what is new and the settled span in one query:
    ``(SystemModstamp > … OR (SystemModstamp >= … AND SystemModstamp < …))``, contacts through their Account's
    stamp too. The cursor is moved a minute back (a wider span: only more re-reading) so that the span is not
    empty and the whole query goes to the org; a real org accepts it, and the cursor keeps the span's bound."""
    for kind in (Kind.CONTACT, Kind.EVENT, Kind.TASK):
        state = json.loads(adapter.full_scan(kind).cursor)
        minute_before = datetime.fromisoformat(state["end"]) - timedelta(minutes=1)
        earlier = minute_before.strftime("%Y-%m-%dT%H:%M:%S.000%z")
        state.update(cov=earlier, end=earlier, wm=state["wm"] or earlier)
        after = json.loads(adapter.changes(kind, json.dumps(state)).cursor)
        assert after["upto"] and after["cov"], after


def test_live_settled_feed_queries_are_accepted(adapter):
    """feed_mode "settled" bounds the query from above, contacts through their Account's stamp too
    (``(Account.SystemModstamp < … OR Account.SystemModstamp = null)``): a real org accepts it, and the cursor keeps
    the bound (whether an org's coverage follows the emulator's minutes is what the emulator cannot prove)."""
    settled = SalesforceAdapter(adapter.transport.sf, feed_mode="settled")
    for kind in (Kind.CONTACT, Kind.EVENT, Kind.TASK):
        cursor = settled.full_scan(kind).cursor
        state = json.loads(settled.changes(kind, cursor).cursor)
        assert state["upto"] and state["cov"], state


def test_live_bad_password_does_not_leak():
    if not HAVE_PASSWORD:
        pytest.skip("needs SF_USERNAME")
    wrong = "not-the-password-" + uuid.uuid4().hex
    with pytest.raises(AuthenticationError) as info:
        SalesforceAdapter.login(username=os.environ["SF_USERNAME"], password=wrong,
                                security_token=os.environ["SF_SECURITY_TOKEN"],
                                domain=os.environ.get("SF_DOMAIN", "login"))
    assert wrong not in str(info.value) and os.environ["SF_SECURITY_TOKEN"] not in str(info.value)
