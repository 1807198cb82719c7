"""Links and ids are claims (issue 11 item 4, EWS side): a malformed link property never stops a kind, and
``fetch``/``find_by_link`` return only items of the synced folder, whatever id or link they are asked for.
Real exchangelib against the emulator.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Kind, Side, Task
from syncore.remote import CreateRequest
from syncore.state_types import Action
from syncore.testing import MemoryAdapter
from syncore.testing.samples import sample_record
from syncore_exchange.emulator.xmlns import TNS

NOW = datetime(2031, 3, 3, 8, tzinfo=UTC)
MALFORMED_LINKS = ["has spaces", "tab\there", "x" * 600, "ünïcödé", "line\nbreak"]


def _task(emu, subject, link=None, mailbox=None, folder="tasks"):
    fields = {"Subject": subject, "Status": "NotStarted"}
    if link is not None:
        fields["ExtendedProperty"] = {"SyncoreLink": link}
    return emu.create_item(mailbox=mailbox, folder=folder, kind="Task", fields=fields)


def _array_link(values):
    """A SyncoreLink written by another client as a StringArray: the name is ours, the shape is not."""
    prop = etree.Element(f"{{{TNS}}}ExtendedProperty")
    etree.SubElement(prop, f"{{{TNS}}}ExtendedFieldURI", DistinguishedPropertySetId="PublicStrings",
                     PropertyName="SyncoreLink", PropertyType="StringArray")
    container = etree.SubElement(prop, f"{{{TNS}}}Values")
    for value in values:
        etree.SubElement(container, f"{{{TNS}}}Value").text = value
    return prop


def test_a_malformed_link_is_ignored_for_its_item_and_every_item_is_read(emu, adapter):
    good = _task(emu, "good", link="003000000000001AAA")
    bad = {_task(emu, f"bad {n}", link=value): value for n, value in enumerate(MALFORMED_LINKS)}
    array = emu.create_item(folder="tasks", kind="Task", fields={"Subject": "array", "ExtendedProperty":
                                                                 _array_link(["a", "b"])})
    scan = adapter.full_scan(Kind.TASK)
    records = {r.id: r for r in scan.upserts}
    assert set(records) == {good, array, *bad} and not scan.unsupported
    assert records[good].link == "003000000000001AAA"
    assert all(records[i].link is None for i in (*bad, array))


def test_a_malformed_link_does_not_stop_the_sync_of_the_kind(emu, make_adapter):
    pim = make_adapter()
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=True, clock=lambda: NOW)
    for n, value in enumerate(MALFORMED_LINKS):
        _task(emu, f"bad {n}", link=value)
    _task(emu, "fine")
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=lambda: NOW)
    result = engine.sync(Kind.TASK)
    assert result.ok, result.errors
    assert {(Side.CRM, Action.CREATE): len(MALFORMED_LINKS) + 1} == {k: n for k, n in result.counts.items() if n}
    assert sorted(r.subject for r in crm.records(Kind.TASK).values()) == sorted(
        [f"bad {n}" for n in range(len(MALFORMED_LINKS))] + ["fine"])


def test_fetch_returns_only_items_of_the_synced_folder(emu, adapter):
    mine = _task(emu, "mine")
    other_mailbox = _task(emu, "theirs", mailbox="other@example.com")
    other_folder = emu.create_item(folder="calendar", fields={
        "Subject": "an event", "Start": NOW, "End": NOW + timedelta(hours=1)})
    trashed = _task(emu, "trashed")
    # moved to Deleted Items by another client
    emu.store.remove(emu.store.get(trashed), to_folder="deleteditems")
    asked = [mine, other_mailbox, other_folder, trashed, "", "not an id", "\x00\x01", "AAAA" * 3]
    assert set(adapter.fetch(Kind.TASK, asked)) == {mine}


def test_find_by_link_looks_only_in_the_synced_folder(emu, adapter):
    _task(emu, "mine", link="L-mine")
    _task(emu, "theirs", link="L-theirs", mailbox="other@example.com")
    found = adapter.find_by_link(Kind.TASK, ["L-mine", "L-theirs", "with space", "\x00", "x" * 600])
    assert set(found) == {"L-mine"} and found["L-mine"].record.subject == "mine"


def test_is_native_id_accepts_the_ids_of_the_server(emu, adapter):
    (created,) = adapter.create(Kind.TASK, [CreateRequest(ref="r", record=sample_record(Kind.TASK, 1, now=NOW))])
    # a real Exchange ItemId (EwsId format, from Microsoft's GetItem documentation sample shape)
    real = "AAMkAGEzNjhmYmI0LWJlMWItNDdlMC05YjNmLTA4NzFjNDVlZjM1OABGAAAAAADUebQDarW2Q7G2Ji8hKofPBwAl9Fu3+SPKTpQ2U/5q0eAbAAAAAAENAAA="
    assert adapter.is_native_id(Kind.TASK, created.id) and adapter.is_native_id(Kind.TASK, real)
    for value in ["", "003000000000001AAA", "not base64!", "AAAA", "\x00", "x" * 2000, real[:-1]]:
        assert not adapter.is_native_id(Kind.TASK, value), value


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(links=st.lists(st.text(min_size=1, max_size=80).filter(lambda s: "\x00" not in s and "\r" not in s
                                                              and all(c.isprintable() or c in "\t\n" for c in s)),
                      min_size=1, max_size=3))
def test_arbitrary_link_values_never_stop_reading(emu, adapter, links):
    emu.reset()
    ids = [_task(emu, f"t{n}", link=value) for n, value in enumerate(links)]
    scan = adapter.full_scan(Kind.TASK)
    assert {r.id for r in scan.upserts} == set(ids)
    assert set(adapter.fetch(Kind.TASK, ids + links)) == set(ids)
    adapter.find_by_link(Kind.TASK, links)  # never raises
    assert all(isinstance(r.record, Task) for r in scan.upserts)
