"""SOQL subset, paging, query vs queryAll, and query errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sfemu_support import T0
from simple_salesforce import format_soql
from simple_salesforce.exceptions import SalesforceMalformedRequest

from syncore_salesforce.emulator import SalesforceEmulator


def _contacts(emu, n, **extra):
    return [emu.insert("Contact", {"LastName": f"Name{i:04d}", **extra}) for i in range(n)]


def test_query_response_shape(emu, sf):
    emu.clock.freeze(T0)  # frozen: this test pins exact SystemModstamp values
    rid = emu.insert("Contact", {"LastName": "Shape", "FirstName": "Q"})
    result = sf.query("SELECT Id, lastname, SystemModstamp, Phone, IsDeleted FROM contact")
    # Reference §7.3 example: schema casing, attributes first, nulls present, wire datetimes.
    assert result == {
        "totalSize": 1,
        "done": True,
        "records": [
            {
                "attributes": {"type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{rid}"},
                "Id": rid,
                "LastName": "Shape",
                "SystemModstamp": "2026-11-24T15:00:00.000+0000",
                "Phone": None,
                "IsDeleted": False,
            }
        ],
    }
    assert list(result) == ["totalSize", "done", "records"]


def test_paging_with_batch_size_three_pages():
    with SalesforceEmulator(start_time=T0) as emu:
        _contacts(emu, 450)
        sf = emu.client()
        headers = {"Sforce-Query-Options": "batchSize=200"}
        first = sf.query("SELECT Id FROM Contact ORDER BY LastName", headers=headers)
        assert first["totalSize"] == 450 and first["done"] is False and len(first["records"]) == 200
        assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
        assert first["nextRecordsUrl"].endswith("-200")
        emu.reset_log()
        records = list(sf.query_all_iter("SELECT Id FROM Contact ORDER BY LastName", headers=headers))
        assert len(records) == 450 and len({r["Id"] for r in records}) == 450
        assert emu.count("query") == 1 and emu.count("query_more") == 2
        assert [e.headers.get("Sforce-Query-Options") for e in emu.requests] == ["batchSize=200"] * 3
        assert emu.requests[0].q == "SELECT Id FROM Contact ORDER BY LastName"
        # Below the 200 minimum the batch size is raised to 200.
        assert (
            len(
                sf.query("SELECT Id FROM Contact", headers={"Sforce-Query-Options": "batchSize=10"})[
                    "records"
                ]
            )
            == 200
        )
        # Default page is 2000.
        assert sf.query("SELECT Id FROM Contact")["done"] is True


def test_small_batches_with_min_batch_size_knob():
    with SalesforceEmulator(start_time=T0, min_batch_size=1) as emu:
        _contacts(emu, 7)
        sf = emu.client()
        page = sf.query("SELECT Id FROM Contact", headers={"Sforce-Query-Options": "batchSize=3"})
        assert len(page["records"]) == 3
        assert (
            len(
                sf.query_all("SELECT Id FROM Contact", headers={"Sforce-Query-Options": "batchSize=3"})[
                    "records"
                ]
            )
            == 7
        )
        assert emu.count("query_more") == 2


def test_unknown_query_locator(emu, sf):
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query_more("/services/data/v59.0/query/01gDn0000000001AAA-2000", identifier_is_url=True)
    assert info.value.content == [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}]


def test_query_hides_deleted_and_archived_query_all_shows_them(emu, sf):
    keep, gone, archived = _contacts(emu, 3)
    emu.delete("Contact", gone)
    emu.archive("Contact", archived)
    assert [r["Id"] for r in sf.query("SELECT Id FROM Contact")["records"]] == [keep]
    rows = sf.query_all("SELECT Id, IsDeleted FROM Contact", include_deleted=True)["records"]
    assert {r["Id"]: r["IsDeleted"] for r in rows} == {keep: False, gone: True, archived: False}
    assert emu.requests[-1].path == "/services/data/v59.0/queryAll/"
    emu.purge()
    rows = sf.query_all("SELECT Id FROM Contact", include_deleted=True)["records"]
    assert {r["Id"] for r in rows} == {keep, archived}


def test_delete_bumps_system_modstamp_for_query_all_stream(emu, sf):
    emu.clock.freeze(T0)  # frozen: this test pins exact SystemModstamp values
    rid = sf.Contact.create({"LastName": "Soon gone"})["id"]
    emu.clock.advance(timedelta(minutes=5))
    sf.Contact.delete(rid)
    soql = format_soql(
        "SELECT Id, IsDeleted, SystemModstamp FROM Contact WHERE SystemModstamp > {}",
        T0 + timedelta(minutes=1),
    )
    rows = sf.query(soql, include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"], r["SystemModstamp"]) for r in rows] == [
        (rid, True, "2026-11-24T15:05:00.000+0000")
    ]


def test_where_operators(emu, sf):
    a = emu.insert("Contact", {"LastName": "O'Brien", "FirstName": "Ann", "Email": "ann@example.com"})
    b = emu.insert("Contact", {"LastName": "Smith", "FirstName": "Bob"})
    c = emu.insert("Contact", {"LastName": "smithers", "FirstName": None})

    def ids(where):
        return {r["Id"] for r in sf.query(f"SELECT Id FROM Contact WHERE {where}")["records"]}

    assert ids("LastName = 'O\\'Brien'") == {a}
    assert ids("LastName = 'SMITH'") == {b}  # case-insensitive string equality
    assert ids("LastName LIKE 'smith%'") == {b, c}
    assert ids("LastName LIKE 'Smit_'") == {b}
    assert ids("FirstName = null") == {c}
    assert ids("FirstName != null") == {a, b}
    assert ids("FirstName != 'Ann'") == {b, c}  # SOQL != also matches nulls
    assert ids("LastName IN ('Smith', 'Nobody')") == {b}
    assert ids("LastName NOT IN ('Smith')") == {a, c}
    assert ids("NOT LastName = 'Smith'") == {a, c}
    assert ids("(LastName = 'Smith' OR FirstName = 'Ann') AND Email != null") == {a}
    assert ids("NOT (LastName = 'Smith' OR LastName = 'smithers')") == {a}
    assert ids(f"Id = '{b[:15]}'") == {b}
    assert ids(f"Id IN ('{a}', '{c}')") == {a, c}
    assert ids("IsDeleted = false AND LastName > 'S'") == {b, c}
    assert sf.query("SELECT COUNT() FROM Contact WHERE LastName LIKE 'S%'") == {
        "totalSize": 2,
        "done": True,
        "records": [],
    }


def test_order_by_limit_offset_and_nulls(emu, sf):
    ids = [
        emu.insert("Contact", {"LastName": n, "FirstName": f})
        for n, f in [("B", "x"), ("A", None), ("C", "y"), ("A", "z")]
    ]

    def order(clause):
        return [r["Id"] for r in sf.query(f"SELECT Id FROM Contact {clause}")["records"]]

    assert order("ORDER BY LastName, FirstName") == [ids[1], ids[3], ids[0], ids[2]]
    assert order("ORDER BY LastName DESC, FirstName DESC NULLS LAST") == [ids[2], ids[0], ids[3], ids[1]]
    assert order("ORDER BY FirstName NULLS LAST") == [ids[0], ids[2], ids[3], ids[1]]
    assert order("ORDER BY FirstName DESC NULLS FIRST") == [ids[1], ids[3], ids[2], ids[0]]
    assert order("ORDER BY LastName, FirstName LIMIT 2 OFFSET 1") == [ids[3], ids[0]]
    assert sf.query("SELECT Id FROM Contact LIMIT 1")["totalSize"] == 1


def test_order_by_system_modstamp_ties_broken_by_id(emu, sf):
    # Equal SystemModstamp values (same millisecond): ORDER BY SystemModstamp, Id must be total.
    emu.clock.freeze()  # frozen: the five rows must share one SystemModstamp
    ids = _contacts(emu, 5)
    emu.clock.advance(0.001)
    later = emu.insert("Contact", {"LastName": "later"})
    rows = sf.query("SELECT Id, SystemModstamp FROM Contact ORDER BY SystemModstamp DESC, Id DESC")["records"]
    assert [r["Id"] for r in rows] == [later] + sorted(ids, reverse=True)  # ids compare case-sensitively
    assert len({r["SystemModstamp"] for r in rows[1:]}) == 1


@pytest.mark.parametrize(
    "soql, code",
    [
        ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE LastName = 'a' AND FirstName = 'b' OR Email = 'c'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact GROUP BY LastName", "MALFORMED_QUERY"),
        ("SELECT Acount.Name FROM Contact", "INVALID_FIELD"),
        ("SELECT Account.Shoe__c FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE CreatedDate > LAST_N_DAYS", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE CreatedDate > TODAY:3", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE LastName = TODAY", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE SystemModstamp > 2025-01-01T00:00:00", "MALFORMED_QUERY"),
        ("SELECT Id, Shoe__c FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE SystemModstamp > '2025-01-01T00:00:00Z'", "INVALID_FIELD"),
        ("SELECT Id FROM Contact ORDER BY Description", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE Description = 'x'", "INVALID_FIELD"),
        ("SELECT Id FROM Widget__c", "INVALID_TYPE"),
    ],
)
def test_query_errors(sf, soql, code):
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query(soql)
    assert info.value.status == 400
    (err,) = info.value.content
    assert set(err) == {"message", "errorCode"}
    assert err["errorCode"] == code


def test_invalid_field_message_layout(sf):
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query("SELECT Id, Shoe__c FROM Contact")
    assert info.value.content[0]["message"].startswith(
        "\nSELECT Id, Shoe__c FROM Contact\n           ^\nERROR at Row:1:Column:12\n"
        "No such column 'Shoe__c' on entity 'Contact'."
    )


# -- datetime literals compared as instants (Hypothesis) -------------------------------------------------

_instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
_offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(lambda q: timedelta(minutes=15 * q))


def _literal(instant: datetime, offset: timedelta, form: str) -> str:
    local = instant.astimezone(timezone(offset))
    base = local.strftime("%Y-%m-%dT%H:%M:%S")
    if form == "Z":
        base = instant.strftime("%Y-%m-%dT%H:%M:%S")
    frac = f".{local.microsecond // 1000:03d}" if (form == "fraction" or local.microsecond) else ""
    if form == "Z":
        return f"{base}{frac}Z"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds() // 60))
    return f"{base}{frac}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@pytest.fixture(scope="module")
def stamped():
    """An emulator holding contacts with known SystemModstamp values (one per module, for speed)."""
    with SalesforceEmulator(start_time=T0) as emu:
        stamps = [
            T0 + timedelta(days=d, milliseconds=ms) for d in (-900, -30, 0, 400, 1200) for ms in (0, 1, 999)
        ]
        ids = {emu.insert("Contact", {"LastName": "s"}, system_modstamp=s): s for s in stamps}
        yield emu, emu.client(), ids


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    instant=_instants,
    offset=_offsets,
    form=st.sampled_from(["Z", "offset", "fraction"]),
    op=st.sampled_from([">", ">=", "<", "<=", "=", "!="]),
)
def test_datetime_literals_compare_as_instants(stamped, instant, offset, form, op):
    _emu, sf, ids = stamped
    # Include an exact stamp now and then so "=" is exercised.
    literal = _literal(instant, offset, form)
    got = {
        r["Id"] for r in sf.query(f"SELECT Id FROM Contact WHERE SystemModstamp {op} {literal}")["records"]
    }
    compare = {
        ">": lambda s: s > instant,
        ">=": lambda s: s >= instant,
        "<": lambda s: s < instant,
        "<=": lambda s: s <= instant,
        "=": lambda s: s == instant,
        "!=": lambda s: s != instant,
    }[op]
    assert got == {rid for rid, s in ids.items() if compare(s)}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=_offsets, form=st.sampled_from(["Z", "offset", "fraction"]), pick=st.integers(0, 14))
def test_exact_stamp_equality_in_every_form(stamped, offset, form, pick):
    _emu, sf, ids = stamped
    rid, stamp = sorted(ids.items(), key=lambda kv: kv[1])[pick]
    literal = _literal(stamp, offset, form)
    got = [r["Id"] for r in sf.query(f"SELECT Id FROM Contact WHERE SystemModstamp = {literal}")["records"]]
    assert got == [rid]


def test_format_soql_datetime_round_trip(stamped):
    _emu, sf, ids = stamped
    cutoff = T0 + timedelta(milliseconds=1)
    soql = format_soql(
        "SELECT Id FROM Contact WHERE SystemModstamp >= {} ORDER BY SystemModstamp, Id", cutoff
    )
    # simple-salesforce's format_soql drops sub-second precision ("...15:00:00+00:00"), so the effective
    # cutoff is T0: a client watermark loses its milliseconds on the way out.
    assert "2026-11-24T15:00:00+00:00" in soql
    got = [r["Id"] for r in sf.query(soql)["records"]]
    assert got == [rid for rid, s in sorted(ids.items(), key=lambda kv: (kv[1], kv[0])) if s >= T0]
