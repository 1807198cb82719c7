"""``migrate-profile --from exchange --to graph`` end to end: a profile paired over EWS (EWS emulator ⇄
Salesforce emulator) moves to Graph (the Graph emulator holding the same mailbox's items under their EWS ids)
without re-pairing: no duplicates, no writes, and edits keep flowing afterwards."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta

import pytest

from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.migrate import migrate_pim_ids
from syncore.models import Contact, Event, Kind, Side, Task
from syncore.state_types import Action
from syncore_exchange import ExchangeAdapter
from syncore_exchange.emulator import EwsEmulator
from syncore_graph import GraphAdapter

salesforce = pytest.importorskip("syncore_salesforce")
from syncore_salesforce.converter import format_datetime as sf_wire
from syncore_salesforce.emulator import SalesforceEmulator

T0 = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)
FOLDERS = {Kind.EVENT: "calendar", Kind.CONTACT: "contacts", Kind.TASK: "tasks"}


def _writes(result):
    return {key: n for key, n in result.counts.items() if n}


@pytest.fixture
def paired(tmp_path, sleeps):
    """A state file whose pairs were made over EWS, and the emulators of both sides."""
    with EwsEmulator(mailboxes=["user@example.com"]) as ews, SalesforceEmulator(start_time=T0) as sf:
        start = T0 + timedelta(days=2)
        ews_adapter = ExchangeAdapter(ews.account(), sleep=sleeps)
        from syncore.remote import CreateRequest

        # a meeting with attendees: the Graph adapter reads them too, so after the move they are no change
        ews_adapter.create(Kind.EVENT, [CreateRequest(ref=str(n), record=Event(
            subject=f"Outlook meeting {n}", start=start + timedelta(hours=n), end=start + timedelta(hours=n, minutes=30),
            attendees=("ann@customer.example", "bob@customer.example") if n == 0 else ()))
            for n in range(3)])
        ews_adapter.create(Kind.CONTACT, [CreateRequest(ref="c", record=Contact(first_name="Dana", last_name="Scully",
                                                                                 email="dana@fbi.example"))])
        ews_adapter.create(Kind.TASK, [CreateRequest(ref="t", record=Task(subject="Send proposal", due=start.date()))])
        sf.insert("Event", {"Subject": "Salesforce call", "StartDateTime": sf_wire(start + timedelta(days=1)),
                            "EndDateTime": sf_wire(start + timedelta(days=1, hours=1)), "OwnerId": sf.user_id})
        sf.clock.advance(1)
        state = SqliteStateStore(tmp_path / "state.db")
        crm = salesforce.SalesforceAdapter(sf.client(), clock=sf.clock.now, sleep=sleeps)
        engine = SyncEngine(pim=ews_adapter, crm=crm, state=state, settings=SyncSettings(), clock=sf.clock.now)
        for kind in Kind:
            assert engine.sync(kind).ok
        yield ews, sf, state, crm


def _graph_mailbox(graph, ews):
    mapping = {}
    for folder in FOLDERS.values():
        mapping.update(graph.import_ews(ews.items(folder)))
    return mapping


@pytest.mark.parametrize("auth", ["device_code", "app"])
def test_pairs_carry_over_without_re_pairing_or_duplicates(paired, emu, tmp_path, sleeps, auth):
    ews, sf, state, crm = paired
    mapping = _graph_mailbox(emu, ews)
    counts_before = {kind: state.count_pairs("default", kind) for kind in Kind}
    assert counts_before == {Kind.EVENT: 4, Kind.CONTACT: 1, Kind.TASK: 1}
    graph = GraphAdapter.for_emulator(emu, auth=auth, token_cache=str(tmp_path / "tokens.json"), sleep=sleeps)
    emu.reset_log()
    report = migrate_pim_ids(state, "default", graph, "exchange", Kind, clock=sf.clock.now)
    # To Do addresses tasks by their REST id, which may read like the EWS id: such an id is kept as it is
    assert [(r.kind, r.translated + r.kept, r.dropped) for r in report if not r.not_synced] == [
        (Kind.EVENT, 4, ()), (Kind.CONTACT, 1, ()), (Kind.TASK, 1, ())][:len(graph.capabilities.kinds)]
    if auth == "app":  # app-only sign-ins cannot write To Do: the task pair is left as it was, and said so
        assert [(r.kind, r.not_synced) for r in report if r.not_synced] == [(Kind.TASK, 1)]
        assert "task: not synced by the new adapter; its 1 pairs are left as they were" in report[-1].summary()
    assert report[0].translated == 4
    for kind in graph.capabilities.kinds:
        pim_ids = {pair.pim_id for pair in state.iter_pairs("default", kind)}
        assert pim_ids == {mapping[old] for old in mapping if mapping[old] in pim_ids}
        assert pim_ids <= set(mapping.values()) and state.get_cursor("default", kind, Side.PIM) is None
    if auth == "device_code":
        # translateExchangeIds, at most 1,000 ids a call: one per kind here
        assert emu.count("translate_ids") == 3
        assert stat.S_IMODE(os.stat(tmp_path / "tokens.json").st_mode) == 0o600

    engine = SyncEngine(pim=graph, crm=crm, state=state, settings=SyncSettings(), clock=sf.clock.now)
    sf.clock.advance(60)
    for kind in graph.capabilities.kinds:
        result = engine.sync(kind)
        assert result.ok, result.errors
        assert not _writes(result), (kind, _writes(result))
    assert len(emu.items("event")) == 4 and len(sf.all("Event")) == 4
    # edits keep flowing both ways through the carried-over pairs
    outlook = next(e for e in emu.items("event") if e["subject"] == "Outlook meeting 1")
    emu.update(outlook["id"], {"subject": "Outlook meeting 1 (moved)"})
    sf.clock.advance(60)
    result = engine.sync(Kind.EVENT)
    assert _writes(result) == {(Side.CRM, Action.UPDATE): 1}, result.errors
    assert "Outlook meeting 1 (moved)" in {row["Subject"] for row in sf.all("Event")}
    # running it again changes nothing: the ids already are Graph's
    again = migrate_pim_ids(state, "default", graph, "exchange", Kind, clock=sf.clock.now)
    assert [(r.translated, r.kept, r.dropped) for r in again if not r.not_synced] == [
        (0, 4, ()), (0, 1, ()), (0, 1, ())][:len(graph.capabilities.kinds)]


def test_migration_refuses_a_profile_with_a_sync_left_half_done(paired, emu, sleeps):
    from syncore.errors import SyncError
    from syncore.state_types import Intent

    _, sf, state, _ = paired
    state.journal([Intent(intent_id="i1", profile="default", kind=Kind.EVENT, side=Side.PIM, action=Action.CREATE,
                          pair_id="p", target_id=None, source_id="00U000000000001AAA", created_at=T0)])
    graph = GraphAdapter.for_emulator(emu, sleep=sleeps)
    with pytest.raises(SyncError, match="stopped part-way"):
        migrate_pim_ids(state, "default", graph, "exchange", [Kind.EVENT], clock=sf.clock.now)


def _settings(path, emu, pim_type: str, cache) -> None:
    path.write_text(f"""
state = "state.db"

[adapters.pim]
type = "{pim_type}"

[adapters.pim.options]
auth = "device_code"
tenant = "{emu.tenant}"
client_id = "{emu.client_id}"
sign_in_cache = "{cache}"
graph_url = "{emu.url}"
authority_host = "{emu.url}"
ca_file = "{emu.ca_cert_path}"

[adapters.crm]
type = "memory"
""", encoding="utf-8")


def test_the_command_line_moves_the_profile_once_the_settings_name_graph(paired, emu, tmp_path, sleeps):
    import io

    from syncore.cli import main

    ews, _, state, _ = paired
    _graph_mailbox(emu, ews)
    state.close()
    cache = tmp_path / "tokens.json"
    GraphAdapter.for_emulator(emu, auth="device_code", token_cache=str(cache)).close()  # the user signed in once
    settings = tmp_path / "syncore.toml"
    _settings(settings, emu, "exchange", cache)
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(settings), "migrate-profile", "--from", "exchange", "--to", "graph"], out=out, err=err)
    assert code == 2 and "adapters.pim.type is 'exchange'" in err.getvalue()
    _settings(settings, emu, "graph", cache)
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(settings), "migrate-profile", "--from", "exchange", "--to", "graph"], out=out, err=err)
    assert code == 0, err.getvalue()
    assert "event: 4 pairs carried over" in out.getvalue()
    reopened = SqliteStateStore(tmp_path / "state.db")
    assert reopened.count_pairs("default", Kind.EVENT) == 4
    assert {p.pim_id for p in reopened.iter_pairs("default", Kind.EVENT)} <= {e["id"] for e in emu.items("event")}
    reopened.close()


def test_sign_in_command_runs_the_device_code_flow_and_keeps_the_cache_owner_only(emu, tmp_path):
    import io

    from syncore.cli import main

    cache = tmp_path / "sign-in" / "tokens.json"
    settings = tmp_path / "syncore.toml"
    _settings(settings, emu, "graph", cache)
    out = io.StringIO()
    assert main(["--config", str(settings), "sign-in"], out=out, err=io.StringIO()) == 0
    assert "enter the code" in out.getvalue() and "signed in" in out.getvalue()
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(cache.parent).st_mode) == 0o700
    token = next(iter(emu.identity.refresh))
    assert token in cache.read_text(encoding="utf-8")  # msal's cache holds the refresh token, for this user only


def test_translation_goes_in_calls_of_at_most_1000_ids(emu, tmp_path, sleeps):
    import base64

    from syncore.state_types import Pair

    start = T0 + timedelta(days=2)
    snapshots = [{"id": base64.b64encode(f"EMU:user@example.com:{n:08d}:abcd".encode()).decode(),
                  "kind": "Contact", "fields": {"GivenName": f"P{n}", "Surname": "Person", "DisplayName": f"P{n}"}}
                 for n in range(1005)]
    mapping = emu.import_ews(snapshots)
    state = SqliteStateStore(tmp_path / "state.db")
    state.save_pairs([Pair(profile="default", kind=Kind.CONTACT, pair_id=f"p{n}", pim_id=snap["id"],
                           crm_id=f"003000000000{n:04d}AAA", pim_version="ck", crm_version="v",
                           base=Contact(first_name=f"P{n}", last_name="Person"))
                      for n, snap in enumerate(snapshots)])
    graph = GraphAdapter.for_emulator(emu, auth="device_code", token_cache=str(tmp_path / "tokens.json"), sleep=sleeps)
    emu.reset_log()
    (report,) = migrate_pim_ids(state, "default", graph, "exchange", [Kind.CONTACT], clock=lambda: start)
    assert report.translated == 1005 and report.dropped == ()
    # "Maximum size of this collection is 1000 strings" (user-translateexchangeids)
    assert emu.count("translate_ids") == 2
    assert [len(r.body["inputIds"]) for r in emu.requests if r.operation == "translate_ids"] == [1000, 5]
    assert {p.pim_id for p in state.iter_pairs("default", Kind.CONTACT)} == set(mapping.values())


def test_a_series_pair_carries_over_as_one_series_without_duplicates(emu, tmp_path, sleeps):
    """An EWS series (a cancelled and a moved occurrence) paired with a Salesforce series moves to Graph: the Graph
    emulator imports the master with its pattern, cancellation and exception (one mailbox seen through both APIs),
    the pair is translated, and the first Graph sync writes nothing; a cancellation in Outlook then follows."""
    from zoneinfo import ZoneInfo

    from syncore.occurrences import occurrence_id
    from syncore.recurrence import Override, Recurrence
    from syncore.remote import CreateRequest, DeleteRequest

    berlin = ZoneInfo("Europe/Berlin")
    day = (T0 + timedelta(days=7)).astimezone(berlin).date()
    day += timedelta(days=(7 - day.weekday()) % 7)
    first = datetime(day.year, day.month, day.day, 9, tzinfo=berlin)
    keys = [first + timedelta(days=7 * n) for n in range(6)]
    series = Event(subject="Weekly 1:1", start=first, end=first + timedelta(minutes=30), recurrence=Recurrence(
        rule="FREQ=WEEKLY;COUNT=6", zone="Europe/Berlin", exdates=[keys[2]],
        overrides=[Override(original_start=keys[1], start=keys[1] + timedelta(hours=2),
                            end=keys[1] + timedelta(hours=2, minutes=30), subject="1:1 (moved)")]))
    with EwsEmulator(mailboxes=["user@example.com"]) as ews, SalesforceEmulator(start_time=T0) as sf:
        ews_adapter = ExchangeAdapter(ews.account(), sleep=sleeps)
        (made,) = ews_adapter.create(Kind.EVENT, [CreateRequest(ref="s", record=series)])
        assert made.ok, made.error
        state = SqliteStateStore(tmp_path / "state.db")
        crm = salesforce.SalesforceAdapter(sf.client(), clock=sf.clock.now, sleep=sleeps)
        engine = SyncEngine(pim=ews_adapter, crm=crm, state=state, settings=SyncSettings(), clock=sf.clock.now)
        sf.clock.advance(1)
        assert engine.sync(Kind.EVENT).ok
        rows_before = sorted((r["StartDateTime"][:16], r["Subject"]) for r in sf.all("Event") if not r.get("IsDeleted"))
        assert state.count_pairs("default", Kind.EVENT) == 1

        mapping = emu.import_ews(ews.items("calendar"))
        graph = GraphAdapter.for_emulator(emu, auth="app", sleep=sleeps)
        report = migrate_pim_ids(state, "default", graph, "exchange", [Kind.EVENT], clock=sf.clock.now)
        assert (report[0].translated, report[0].dropped) == (1, ())
        assert {pair.pim_id for pair in state.iter_pairs("default", Kind.EVENT)} == {mapping[made.id]}
        stored = graph.fetch(Kind.EVENT, [mapping[made.id]])[mapping[made.id]].record
        assert stored == graph.represent(series), "Graph shows the same series: pattern, cancellation, exception"

        engine = SyncEngine(pim=graph, crm=crm, state=state, settings=SyncSettings(), clock=sf.clock.now)
        sf.clock.advance(60)
        result = engine.sync(Kind.EVENT)
        assert result.ok and not result.skipped, (result.errors, result.skipped)
        assert not _writes(result), _writes(result)
        assert [e["type"] for e in emu.items("event")] == ["seriesMaster", "exception"]
        assert sorted((r["StartDateTime"][:16], r["Subject"]) for r in sf.all("Event")
                      if not r.get("IsDeleted")) == rows_before

        (cancelled,) = graph.delete(Kind.EVENT, [DeleteRequest(ref="d", id=occurrence_id(mapping[made.id], keys[4]))])
        assert cancelled.ok, cancelled.error
        sf.clock.advance(60)
        result = engine.sync(Kind.EVENT)
        assert result.ok, result.errors
        occurrences = [r for r in sf.all("Event") if r.get("GroupEventType") != "3" and not r.get("IsDeleted")]
        assert len(occurrences) == 6 - 2 and keys[4] not in {
            datetime.fromisoformat(r["StartDateTime"][:19]).replace(tzinfo=UTC) for r in occurrences}
