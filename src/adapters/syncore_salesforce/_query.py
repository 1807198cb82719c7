"""The change feed: one ``queryAll`` per kind on ``SystemModstamp`` (reference §2, §5).

``SELECT … FROM T WHERE SystemModstamp > :watermark AND <scope> ORDER BY SystemModstamp, Id``, or
``SystemModstamp >= :last_read - overlap`` while the watermark is inside that window (see ``ChangeFeed._floor``)
through ``queryAll``, so that rows moved to the Recycle Bin (``IsDeleted = true``) come in the same query as
the updates. Archived activities (``IsArchived = true``) are records, not deletions. Rows absent from the
result are never taken as deleted.

The cursor is a JSON string::

    {"v": 1, "scope": "<scope key>", "wm": "<max SystemModstamp seen>", "at": "<when it was read>",
     "seen": {"<id>": "<SystemModstamp>", …}}

``seen`` holds the rows already reported at or past the next read's floor, so a re-read row with the same
``SystemModstamp`` is not reported again (a row whose stamp changed is). ``format_soql`` renders datetimes
without milliseconds, which only widens the ``>=`` window by under a second.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from simple_salesforce import format_soql

from syncore.errors import CursorExpired

from ._transport import Transport
from .converter import format_datetime, parse_datetime

CURSOR_VERSION = 1
#: Get Updated reaches back 30 days (reference §2); past that only a full scan is safe
UPDATED_WINDOW = timedelta(days=30)
#: deleted rows stay in the Recycle Bin (and queryAll) for 15 days, less after a purge (reference §2)
DELETED_WINDOW = timedelta(days=15)
#: default re-read window for rows committed late by long transactions
DEFAULT_OVERLAP = timedelta(minutes=5)


class ChangeFeed:
    """Builds and runs the feed and full-scan queries of one sObject, and reads/writes cursors."""

    def __init__(
        self,
        transport: Transport,
        *,
        sobject: str,
        select: tuple[str, ...],
        scope: Callable[[], tuple[str, str]],
        overlap: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self.transport = transport
        self.sobject = sobject
        self.select = select
        self.scope = scope  # () -> (SOQL condition or "", scope key)
        self.overlap = overlap
        self.clock = clock

    def _soql(self, condition: str) -> str:
        scope, _ = self.scope()
        where = " AND ".join(part for part in (condition, scope) if part)
        # Field and object names come from the adapter's own constants, never from input.
        text = f"SELECT {', '.join(self.select)} FROM {self.sobject}"
        if where:
            text += f" WHERE {where}"
        return text + " ORDER BY SystemModstamp, Id"

    def full_scan(self) -> tuple[list[dict[str, Any]], str]:
        """Every live row in scope (archived ones included: they are records), and a fresh cursor."""
        at = self.clock()
        rows = self.transport.query_pages(
            self._soql("IsDeleted = false"), include_deleted=True, what=f"{self.sobject} full scan"
        )
        return rows, self._cursor(rows, None, {}, at)

    def changes(self, cursor: str) -> tuple[list[dict[str, Any]], str]:
        """Rows changed since ``cursor`` (deleted ones flagged ``IsDeleted``), de-duplicated, and the next cursor.

        :raises CursorExpired: unreadable cursor, another scope, or older than the Recycle Bin keeps deletions
        """
        state = self._read(cursor)
        at = self.clock()
        watermark = parse_datetime(state["wm"]) if state.get("wm") else None
        floor, inclusive = self._floor(watermark, parse_datetime(state["at"]))
        condition = format_soql(f"SystemModstamp {'>=' if inclusive else '>'} {{}}", floor)
        rows = self.transport.query_pages(self._soql(condition), include_deleted=True,
                                          what=f"{self.sobject} changes")
        seen = state.get("seen", {})
        fresh = [row for row in rows if seen.get(row["Id"]) != row.get("SystemModstamp")]
        return fresh, self._cursor(rows, watermark, seen, at)

    def _floor(self, watermark: datetime | None, read_at: datetime) -> tuple[datetime, bool]:
        """Where the next read starts, and whether the start itself is included.

        Wanted: the rows past the watermark, and any row that a transaction still open at the last read has
        committed since, stamped at most ``overlap`` before that read. So the window is anchored at the last
        read's time, not at the watermark: a burst of writes is re-read until it is ``overlap`` old, not for as
        long as nothing newer arrives. (The local clock stands in for the server's; ``overlap`` also absorbs
        the skew between them. ``format_soql`` drops milliseconds, which only widens the window.)
        """
        late = read_at - self.overlap
        if watermark is not None and watermark < late:
            return watermark, False
        return late, True

    def _read(self, cursor: str) -> dict[str, Any]:
        try:
            state = json.loads(cursor)
            if not isinstance(state, dict) or state.get("v") != CURSOR_VERSION or state.get("sobject") != self.sobject:
                raise ValueError("not a cursor of this adapter")
            at = parse_datetime(state["at"])
        except (ValueError, KeyError, TypeError):
            raise CursorExpired(f"{self.sobject}: unreadable change cursor; a full scan follows") from None
        if state.get("scope") != self.scope()[1]:
            raise CursorExpired(f"{self.sobject}: the scope changed since the cursor was made; a full scan follows")
        age = self.clock() - at
        if age > DELETED_WINDOW:
            window = "30-day update" if age > UPDATED_WINDOW else "15-day deletion"
            raise CursorExpired(
                f"{self.sobject}: the cursor is {age.days} days old, past Salesforce's {window} window "
                "(deleted rows may have been purged); a full scan follows"
            )
        return state

    def _cursor(self, rows: list[dict[str, Any]], watermark: datetime | None, seen: dict[str, str],
                at: datetime) -> str:
        stamps = [parse_datetime(row["SystemModstamp"]) for row in rows if row.get("SystemModstamp")]
        if stamps:
            watermark = max([*stamps, *([watermark] if watermark else [])])
        merged = dict(seen)
        merged.update({row["Id"]: row["SystemModstamp"] for row in rows if row.get("SystemModstamp")})
        # Only rows the next read can return again are worth remembering (its start as format_soql renders it,
        # without milliseconds).
        start, inclusive = self._floor(watermark, at)
        start = start.replace(microsecond=0)
        merged = {i: s for i, s in merged.items()
                  if (parse_datetime(s) >= start if inclusive else parse_datetime(s) > start)}
        state = {
            "v": CURSOR_VERSION, "sobject": self.sobject, "scope": self.scope()[1],
            "wm": format_datetime(watermark) if watermark else None, "at": format_datetime(at), "seen": merged,
        }
        return json.dumps(state, sort_keys=True, separators=(",", ":"))
