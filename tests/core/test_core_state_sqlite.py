"""SqliteStateStore: the state-store contract, and what is SQLite's own (schema version, file permissions, reopen)."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, date, datetime

import pytest

from syncore import Body, ConfigurationError, Contact, Event, Kind, Side, SqliteStateStore, Task
from syncore.abc import StateStore
from syncore.errors import StateCorrupt
from syncore.state._schema import SCHEMA_VERSION
from syncore.state_types import Pair, PendingCategory, PendingItem
from syncore.testing import StateStoreContract
from syncore.testing.state_contract_series import OccurrenceSeriesContract

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


class TestSqliteStateStore(StateStoreContract):
    @pytest.fixture
    def store(self):
        s = SqliteStateStore(":memory:")
        yield s
        s.close()

    @pytest.fixture
    def record_strategy(self, core):
        return core.records  # the core's wider strategies: any text, any offset, formatted bodies


class DefaultsStore(SqliteStateStore):
    """The SQLite store answering series_with_occurrence_pairs, and paired_ids under it, with StateStore's
    defaults (from iter_pairs): what a third-party store that overrides neither gets."""

    series_with_occurrence_pairs = StateStore.series_with_occurrence_pairs
    paired_ids = StateStore.paired_ids


class TestStateStoreDefaults(OccurrenceSeriesContract):
    @pytest.fixture
    def store(self):
        s = DefaultsStore(":memory:")
        yield s
        s.close()


@pytest.fixture
def store():
    s = SqliteStateStore(":memory:")
    yield s
    s.close()


def pair(pair_id="p1", pim_id="pim-1", crm_id="crm-1", *, profile="default", kind=Kind.CONTACT, base=None,
         pim_body=None, pim_version="v1", crm_version="w1"):
    if base is None:
        base = {Kind.CONTACT: Contact(last_name=f"Lee {pair_id}"), Kind.TASK: Task(subject=pair_id),
                Kind.EVENT: Event(subject=pair_id, start=date(2026, 1, 1), end=date(2026, 1, 2))}[kind]
    return Pair(profile=profile, kind=kind, pair_id=pair_id, pim_id=pim_id, crm_id=crm_id,
                pim_version=pim_version, crm_version=crm_version, base=base, pim_body=pim_body)


def assert_same_pair(core, got: Pair, want: Pair):
    assert (got.profile, got.kind, got.pair_id, got.pim_id, got.crm_id, got.pim_version, got.crm_version) == (
        want.profile, want.kind, want.pair_id, want.pim_id, want.crm_id, want.pim_version, want.crm_version)
    assert core.exact(got.base) == core.exact(want.base)
    if want.pim_body is None:
        assert got.pim_body is None
    else:
        assert (got.pim_body.text, got.pim_body.html, got.pim_body.rtf) == (
            want.pim_body.text, want.pim_body.html, want.pim_body.rtf)


# -- schema and file ------------------------------------------------------------------------------------------
def test_schema_version_is_set(store):
    assert store.schema_version == SCHEMA_VERSION >= 1


def test_file_is_created_owner_only(tmp_path):
    path = tmp_path / "sub" / "state.db"
    old = os.umask(0o000)  # even with a permissive umask
    try:
        s = SqliteStateStore(path)
    finally:
        os.umask(old)
    try:
        assert path.exists()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        s.close()


def test_user_version_written_to_file(tmp_path):
    path = tmp_path / "state.db"
    SqliteStateStore(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "state.db"
    SqliteStateStore(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(ConfigurationError) as info:
        SqliteStateStore(path)
    assert str(SCHEMA_VERSION + 1) in str(info.value)
    with sqlite3.connect(path) as db:  # left untouched
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1


def test_state_persists_across_reopen(tmp_path, core):
    path = tmp_path / "state.db"
    s = SqliteStateStore(path)
    p = pair(pim_body=Body(text="Hi", html="<b>Hi</b>"))
    s.save_pair(p)
    s.set_cursor("default", Kind.CONTACT, Side.PIM, "c-42")
    s.add_tombstones("default", Kind.CONTACT, Side.CRM, ["gone"], T0)
    s.set_last_run("default", Kind.CONTACT, T0)
    s.put_pending(PendingItem(profile="default", kind=Kind.CONTACT, side=Side.PIM, native_id="x",
                              category=PendingCategory.FAILED, reason="boom"))
    s.close()
    s = SqliteStateStore(path)
    try:
        [got] = list(s.iter_pairs("default", Kind.CONTACT))
        assert_same_pair(core, got, p)
        assert s.get_cursor("default", Kind.CONTACT, Side.PIM) == "c-42"
        assert s.tombstoned("default", Kind.CONTACT, Side.CRM, ["gone", "other"]) == {"gone"}
        assert s.last_run("default", Kind.CONTACT) == T0
        assert [i.native_id for i in s.pending("default", Kind.CONTACT)] == ["x"]
    finally:
        s.close()


def test_pair_accessors():
    p = pair()
    assert p.id_on(Side.PIM) == "pim-1" and p.id_on(Side.CRM) == "crm-1"
    assert p.version_on(Side.PIM) == "v1" and p.version_on(Side.CRM) == "w1"


def test_committed_transaction_is_visible_to_another_connection(tmp_path):
    path = tmp_path / "s.db"
    a = SqliteStateStore(path)
    try:
        with a.transaction():
            a.set_cursor("default", Kind.TASK, Side.PIM, "x")
        b = SqliteStateStore(path)
        try:
            assert b.get_cursor("default", Kind.TASK, Side.PIM) == "x"
        finally:
            b.close()
    finally:
        a.close()


# -- issue 11.7: a damaged state file is refused when it is opened --------------------------------------------
def _filled(tmp_path):
    path = tmp_path / "state.db"
    store = SqliteStateStore(path)
    store.save_pairs([pair(f"p{i}", f"pim-{i}", f"crm-{i}") for i in range(400)])
    store.close()
    return path


def test_a_truncated_state_file_is_refused_with_a_clear_error(tmp_path):
    path = _filled(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(StateCorrupt, match="damaged or not a syncore state file"):
        SqliteStateStore(path)
    assert len(path.read_bytes()) == len(data) // 3  # left as it was


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "state.db"
    path.write_bytes(b"this is a text file, not SQLite\n" * 200)
    with pytest.raises(StateCorrupt):
        SqliteStateStore(path)


def test_a_damaged_page_that_still_reads_is_refused_by_quick_check(tmp_path):
    # The probe's case: the file opens and simple queries work, so syncore used to run on it (exit 0), while
    # PRAGMA integrity_check calls it malformed. Find such damage: zero a cell-pointer array of a b-tree page.
    path = _filled(tmp_path)
    original = path.read_bytes()
    page_size = int.from_bytes(original[16:18], "big")
    damaged = None
    for page in range(len(original) // page_size, 1, -1):
        data = bytearray(original)
        data[(page - 1) * page_size + 8 : (page - 1) * page_size + 40] = bytes(32)
        candidate = tmp_path / f"damaged-{page}.db"
        candidate.write_bytes(bytes(data))
        probe = sqlite3.connect(candidate)
        try:
            reads = probe.execute("SELECT COUNT(*) FROM pairs").fetchone()[0] == 400
            broken = probe.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
        except sqlite3.DatabaseError:
            reads = False
        finally:
            probe.close()
        if reads and broken:
            damaged = candidate
            break
    assert damaged is not None, "no damage of that shape left the file readable"
    with pytest.raises(StateCorrupt, match="damaged"):
        SqliteStateStore(damaged)
