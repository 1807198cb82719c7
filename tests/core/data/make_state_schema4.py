"""Writes ``state_schema4.db``: a state file as main's code at commit 14c3da7 (SQLite schema 4) wrote it.

Run with that commit's ``src`` first on the path (``git archive 14c3da7 src | tar -x -C /tmp/old``)::

    PYTHONPATH=/tmp/old/src python tests/core/data/make_state_schema4.py tests/core/data/state_schema4.db

The file is kept in the repository (not rebuilt by the test), so the migration test reads bytes the old code
wrote, not what today's code thinks the old code wrote.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime

from syncore import Contact, Kind, Side, SqliteStateStore
from syncore.state_types import Action, Intent, Pair

EWS = "AAMkADdkNWUyYzMxLTlhNGItNGYwZS04YzIxLTViNmEwZTlkNGYxNwBGAAAAAACwxaLYTz4R0KjiAKoAbA6bBwBKjy6cG31MPp"
AT = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)


def main(path: str) -> None:
    store = SqliteStateStore(path)
    assert store.schema_version == 4
    store.save_pairs([
        Pair(profile="default", kind=Kind.CONTACT, pair_id=f"{n:012x}0badc0de", pim_id=f"{EWS}8Ka{n:06d}AAA=",
             crm_id=f"003Dn0000000{n:03d}IAA", pim_version=f"CQAAABYAAAB/{n:03d}", crm_version=f"c{n:024x}",
             base=Contact(last_name=f"Lee {n}", email=f"lee{n}@example.com", birthday=date(1990, 1 + n % 12, 1 + n % 28)))
        for n in range(40)
    ])
    store.set_cursor("default", Kind.CONTACT, Side.PIM, "H4sIAAAAAAAEAO29B2AcSZYlJi9tynt")
    store.add_tombstones("default", Kind.CONTACT, Side.CRM, ["003Dn0000000999IAA"], AT)
    store.add_unconfirmed("default", Kind.CONTACT, Side.PIM, [f"{EWS}8Ka000007AAA="])
    store.journal([Intent(
        intent_id="intent-update-7", profile="default", kind=Kind.CONTACT, side=Side.CRM, action=Action.UPDATE,
        pair_id=f"{7:012x}0badc0de", target_id="003Dn0000000007IAA", source_id=f"{EWS}8Ka000007AAA=",
        created_at=AT, written=Contact(last_name="Lee 7", email="new7@example.com", birthday=date(1990, 8, 8)),
        fields=frozenset({"email"}),
    )])
    store.close()


if __name__ == "__main__":
    main(sys.argv[1])
