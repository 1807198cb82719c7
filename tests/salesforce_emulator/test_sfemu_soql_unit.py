"""Unit tests of the SOQL tokenizer/parser (no HTTP) and a few wire details around it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from syncore_salesforce.emulator import soql


def test_string_escapes_decoded():
    q = soql.parse(r"SELECT Id FROM Contact WHERE LastName = 'a\'b\\c\nd\te\"f'")
    assert q.where.value.value == "a'b\\c\nd\te\"f"


def test_like_escapes_match_literal_wildcards():
    q = soql.parse(r"SELECT Id FROM Contact WHERE LastName LIKE '100\%_x%'")
    regex = soql.like_to_regex(q.where.pattern.raw)
    assert regex.fullmatch("100%Ax-anything")
    assert not regex.fullmatch("1000Ax")


def test_literals_and_structure():
    q = soql.parse(
        "select id, NAME from contact where (a = 1 or b = -2.5) and c = true and d = null and e = 2026-01-02 "
        "and f > 2026-01-02T03:04:05.678-01:30 order by a desc nulls last, b limit 5 offset 1"
    )
    assert [f.name for f in q.fields] == ["id", "NAME"]
    assert q.sobject == "contact"
    ors, c, d, e, f = q.where.items
    assert [lit.value.value for lit in ors.items] == [1, -2.5]
    assert (c.value.value, d.value.kind, e.value.value) == (True, "null", date(2026, 1, 2))
    assert f.value.value == datetime(2026, 1, 2, 4, 34, 5, 678000, tzinfo=UTC)
    assert (q.order[0].descending, q.order[0].nulls_last, q.order[1].descending) == (True, True, False)
    assert (q.limit, q.offset) == (5, 1)


def test_count():
    q = soql.parse("SELECT COUNT() FROM Task")
    assert q.count and q.fields == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "SELECT FROM Contact",
        "SELECT Id Contact",
        "SELECT Id FROM Contact WHERE Name = 'unterminated",
        "SELECT Id FROM Contact WHERE Name = 'x' AND (Email = 'y' OR Phone = 'z'",
        "SELECT Id FROM Contact WHERE Id IN (SELECT WhoId FROM Task)",
        "SELECT (SELECT Id FROM Tasks) FROM Contact",
        "SELECT Id FROM Contact LIMIT -1",
        "SELECT Id FROM Contact WHERE Name = 'x' extra",
        "SELECT Id FROM Contact WHERE Name ~ 'x'",
        "SELECT Id FROM Contact WITH SECURITY_ENFORCED",
    ],
)
def test_malformed(text):
    with pytest.raises(soql.SoqlError) as info:
        soql.parse(text)
    assert info.value.code == "MALFORMED_QUERY"


def test_wrong_literal_types_and_bad_ids(sf):
    for where, code in [
        ("IsDeleted = 'false'", "INVALID_FIELD"),
        ("Birthdate = 2026-01-01T00:00:00Z", "INVALID_FIELD"),
        ("LastName = 5", "INVALID_FIELD"),
        ("Id = 'xyz'", "INVALID_QUERY_FILTER_OPERATOR"),
        ("IsDeleted > true", "INVALID_FIELD"),
    ]:
        with pytest.raises(SalesforceMalformedRequest) as info:
            sf.query(f"SELECT Id FROM Contact WHERE {where}")
        assert info.value.content[0]["errorCode"] == code, where


def test_long_text_fields_cap_page_at_200(emu, sf):
    for i in range(250):
        emu.insert(
            "Event", {"Subject": f"e{i}", "StartDateTime": "2026-11-25T09:00:00Z", "DurationInMinutes": 5}
        )
    page = sf.query(
        "SELECT Id, Description, Recurrence2PatternText FROM Event",
        headers={"Sforce-Query-Options": "batchSize=2000"},
    )
    assert len(page["records"]) == 200 and page["done"] is False
    assert len(sf.query("SELECT Id, Description FROM Event")["records"]) == 250


def test_json_type_errors_are_json_parser_error(sf):
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Event.create({"Subject": "x", "StartDateTime": "not a date", "DurationInMinutes": 5})
    assert info.value.content[0]["errorCode"] == "JSON_PARSER_ERROR"
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Event.create(
            {"Subject": "x", "StartDateTime": "2026-11-25T09:00:00Z", "DurationInMinutes": "long"}
        )
    assert info.value.content[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_reset(emu, sf):
    sf.Contact.create({"LastName": "gone after reset"})
    emu.faults.lock_rows(5)
    emu.reset()
    assert emu.requests == [] and emu.api_usage()[0] == 0
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0
    assert sf.query("SELECT COUNT() FROM TaskStatus")["totalSize"] == 5
    assert sf.Contact.create({"LastName": "lock faults cleared"})["success"] is True
