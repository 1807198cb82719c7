"""The change feed: one Composite request per kind (Get Updated, then ``queryAll`` on ``SystemModstamp``).

``SELECT … FROM T WHERE (SystemModstamp > :watermark OR (SystemModstamp >= :floor AND SystemModstamp < :bound))
AND <scope> ORDER BY SystemModstamp, Id`` through ``queryAll``, so that rows moved to the Recycle Bin
(``IsDeleted = true``) come in the same query as the updates. Archived activities (``IsArchived = true``) are
records, not deletions. Rows absent from the result are never taken as deleted.

**Where a read starts** (``ChangeFeed._floor``). A transaction still open when a read ran can commit later rows
stamped *before* rows that read returned, and no SOQL filter tells such a late commit from no change. Salesforce
names the bound: Get Updated's ``latestDateCovered`` (:mod:`._coverage`): everything stamped before it had
committed when it answered. Every read asks for it first, in the same Composite request (one API call). It is a
whole minute (Get Updated ignores seconds), or the start of a long-running transaction still open. Without a
coverage (Get Updated refused) the read falls back on a fixed window: ``overlap`` before the previous read.

**What a read returns** (:meth:`ChangeFeed._window`). Every read settles a span: rows stamped in [floor,
bound), where the bound is the minute the server's clock is in (at least the last coverage) and the next floor
the earlier of that bound and the coverage that came back, so a row is read there once, when nothing can
commit below it any more; a row committed late was stamped at or after the coverage of every read that ran
while it was open, so it lies at or past the floor and is found in a later span. ``fresh`` (the default)
reads, in the same query, what is stamped past the largest stamp read so far (``SystemModstamp > watermark``):
an edit made seconds ago, normally nothing. So a sync with no change is one request, even right after a bulk
load and back to back; a burst is read when it happens and once more, settled, by the first read after its
minute is covered (nothing is reported then unless a transaction committed late among it). ``settled``
(``feed_mode = "settled"``) reads only the settled span: each row once, a minute or two after it changed. Rows
read and not yet settled are kept in ``seen`` so a re-read does not report them again.

Every time in the cursor is the **server's**: the watermark is the largest ``SystemModstamp`` read, the read
time is the ``Date`` of the response that started the read (:mod:`._server_time`), ``cov`` the coverage. The
local clock only dates the cursor for its expiry (days, where a skew of minutes does not matter).

The cursor is a JSON string::

    {"v": 2, "sobject": "Event", "scope": "<scope key>", "wm": "<max SystemModstamp seen>",
     "at": "<server time of the read, or null>", "read": "<local time of the read>",
     "cov": "<latestDateCovered before the read, or null>", "end": "<the server's minute at the read>",
     "upto": "<the read's settled bound, or null>", "seen": {"<id>": "<SystemModstamp>", …}}

A feed may also follow parents' stamps (``also_changed``): the contacts' feed reads ``(SystemModstamp >= :t OR
Account.SystemModstamp >= :t)``, so a renamed Account brings its contacts (and their new company) in the same
query, at no extra request (its coverage is the earlier of Contact's and Account's). A row's stamp is then all
of its stamps (``"<own>|<Account's>"`` in ``seen``), so a contact already reported comes again when its Account
changes, and the watermark is the largest of them.

``seen`` holds the rows already reported at or past the next read's start, so a re-read row with the same
``SystemModstamp`` is not reported again (a row whose stamp changed is). Datetimes go into SOQL with their
milliseconds: SOQL dateTime values follow the XML Schema ``dateTime`` the SOQL reference points to
(https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm,
https://www.w3.org/TR/xmlschema-2/#dateTime: ``ss`` may carry a fraction), while simple-salesforce's
``format_soql`` drops them, so the literal is rendered here and passed through ``format_soql``'s ``literal`` spec.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from simple_salesforce import format_soql

from syncore.errors import CursorExpired

from ._coverage import FeedRead, minute_of, read_covered
from ._server_time import ServerDates
from ._transport import Transport
from .converter import format_datetime, parse_datetime

CURSOR_VERSION = 2
#: Get Updated reaches back 30 days (reference §2); past that only a full scan is safe
UPDATED_WINDOW = timedelta(days=30)
#: deleted rows stay in the Recycle Bin (and queryAll) for 15 days, less after a purge (reference §2)
DELETED_WINDOW = timedelta(days=15)
#: re-read window for rows committed late, used only when Get Updated gave no coverage
DEFAULT_OVERLAP = timedelta(minutes=5)


def soql_datetime(value: datetime) -> str:
    """A SOQL dateTime literal with milliseconds: ``2026-11-24T15:00:00.123Z`` (never from user input)."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + f".{utc.microsecond // 1000:03d}Z"


def _instant(state: dict[str, Any], key: str) -> datetime | None:
    """A cursor's instant under ``key`` (absent or null: ``None``)."""
    return parse_datetime(state[key]) if state.get(key) else None


def _latest(stamp: str) -> datetime:
    """The latest instant of a ``seen`` entry (one stamp, or several joined by ``|``)."""
    return max(parse_datetime(part) for part in stamp.split("|") if part)


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
        also_changed: tuple[str, ...] = (),
        settled: bool = False,
    ) -> None:
        self.transport = transport
        self.sobject = sobject
        self.select = select
        #: parents' stamps whose change also reports a row (``Account.SystemModstamp`` for contacts: their
        #: company is the Account's name, and renaming an Account leaves its contacts' own stamps alone)
        self.also_changed = also_changed
        self.scope = scope  # () -> (SOQL condition or "", scope key)
        self.overlap = overlap
        self.clock = clock  # local clock: dates the cursor for its expiry only
        self.server_dates = ServerDates()
        #: read only rows stamped before a bound Get Updated covers (feed_mode "settled"; see :meth:`_upto`)
        self.settled = settled

    def _soql(self, condition: str) -> str:
        scope, _ = self.scope()
        where = " AND ".join(part for part in (condition, scope) if part)
        # Field and object names come from the adapter's own constants, never from input.
        select = list(dict.fromkeys((*self.select, *self.also_changed)))
        text = f"SELECT {', '.join(select)} FROM {self.sobject}"
        if where:
            text += f" WHERE {where}"
        return text + " ORDER BY SystemModstamp, Id"

    def _read(self, condition: str, what: str, server_now: datetime) -> FeedRead:
        """All rows of the feed query under *condition* (queryAll), with the server's read time and coverage."""
        parents = tuple(dict.fromkeys(name.split(".")[0] for name in self.also_changed))
        return read_covered(self.transport, self.server_dates, soql=self._soql(condition),
                            sobjects=(self.sobject, *parents), server_now=server_now, what=what)

    def _server_now(self, state: dict[str, Any] | None, read: datetime) -> datetime:
        """The server's clock now: from the last response's ``Date``; else the previous read's server time moved
        on by the local time since it; else the local clock (a wrong guess only narrows the coverage asked)."""
        known = self.server_dates.now()
        if known is not None:
            return known
        if state and state.get("at") and state.get("read"):
            return parse_datetime(state["at"]) + max(timedelta(0), read - parse_datetime(state["read"]))
        return read

    def full_scan(self) -> tuple[list[dict[str, Any]], str]:
        """Every live row in scope (archived ones included: they are records), and a fresh cursor."""
        read = self.clock()
        server_now = self._server_now(None, read)
        # no upper bound, even when settled: a full scan's absent rows count as deleted
        got = self._read("IsDeleted = false", f"{self.sobject} full scan", server_now)
        return got.rows, self._cursor(got, None, {}, read, end=minute_of(server_now), upto=None)

    def changes(self, cursor: str) -> tuple[list[dict[str, Any]], str]:
        """Rows changed since ``cursor`` (deleted ones flagged ``IsDeleted``), de-duplicated, and the next cursor.

        :raises CursorExpired: unreadable cursor, another scope, or older than the Recycle Bin keeps deletions
        """
        state = self._state(cursor)
        read = self.clock()
        watermark = _instant(state, "wm")
        covered = _instant(state, "cov")
        floor, inclusive = self._floor(watermark, _instant(state, "at"), covered, _instant(state, "upto"))
        server_now = self._server_now(state, read)
        condition, upto = self._window(state, server_now, watermark, covered, floor, inclusive)
        got = self._read(condition, f"{self.sobject} changes", server_now)
        seen = state.get("seen", {})
        fresh = [row for row in got.rows if seen.get(row["Id"]) != self._stamp(row)]
        return fresh, self._cursor(got, watermark, seen, read, end=minute_of(server_now), upto=upto)

    def _window(self, state: dict[str, Any], server_now: datetime, watermark: datetime | None,
                covered: datetime | None, floor: datetime | None,
                inclusive: bool) -> tuple[str, datetime | None]:
        """The feed query's condition, and the settled bound it reads up to (``None``: unbounded).

        The settled bound never lies before the floor: rows stamped before the floor have all been read, so a
        bound there (a lagging clock estimate) would only make the next read start before rows it no longer
        remembers (``seen`` keeps rows from the floor on) and report them again.
        """
        compare = ">=" if inclusive else ">"
        if self.settled:
            # settled: only the covered part, [floor, bound)
            upto = self._upto(state, server_now)
            upto = max(upto, floor) if floor is not None else upto
            parts = ([self._since(floor, compare)] if floor is not None else []) + [self._below(upto)]
            return " AND ".join(parts), upto
        if covered is None or watermark is None or floor is None:
            # fresh without a coverage to settle against (Get Updated refused, an old cursor) or with nothing
            # read yet (an empty kind: reading it whole costs nothing): everything from the floor, unbounded
            return (self._since(floor, compare) if floor is not None else ""), None
        # fresh: what is new since the watermark, and the part of [floor, bound) that Get Updated now covers,
        # where rows committed late (stamped at or below the watermark) are found once their minute is
        # covered. The bound is the server's current minute, or the previous coverage when later; unlike a
        # settled read it does not stop at an open transaction's start, so the transaction's rows come at the
        # first read after it commits (while it is open, every read re-reads what others changed since).
        upto = max(minute_of(server_now), covered, floor)
        new = self._since(watermark, ">")
        if upto <= floor:
            return f"({new})", upto
        return f"({new} OR ({self._since(floor, compare)} AND {self._below(upto)}))", upto

    def _since(self, start: datetime, compare: str) -> str:
        """Any of the row's stamps ``compare`` (``>=`` or ``>``) ``start``."""
        # field names are the adapter's constants; the instant is rendered here (see the module docstring)
        stamps = ("SystemModstamp", *self.also_changed)
        literal = soql_datetime(start)
        lower = " OR ".join(format_soql(f"{name} {compare} {{:literal}}", literal) for name in stamps)
        return f"({lower})" if self.also_changed else lower

    def _below(self, upto: datetime) -> str:
        """Every stamp of the row before ``upto`` (a contact without an Account has no Account stamp)."""
        parts = [format_soql("SystemModstamp < {:literal}", soql_datetime(upto))]
        parts.extend(format_soql(f"({name} < {{:literal}} OR {name} = null)", soql_datetime(upto))
                     for name in self.also_changed)
        return " AND ".join(parts)

    def _upto(self, state: dict[str, Any], server_now: datetime) -> datetime:
        """Where a settled read ends (rows stamped before it): the minute Get Updated should cover now.

        The coverage itself comes in the same Composite request, too late for the query's text, so the bound is
        the server's current minute (the coverage when no transaction is open), or the previous coverage when it
        is later (a server-stated bound, when the local estimate lags). The coverage that comes back checks it:
        where it is earlier (a long transaction open), the next read starts there (:meth:`_floor`). While the
        previous read saw a transaction open (its coverage before its minute), nothing past that coverage is read,
        so the rows of other users stamped meanwhile are read once, after it ends, instead of on every sync.
        """
        end = minute_of(server_now)
        covered, previous_end = _instant(state, "cov"), _instant(state, "end")
        if covered is None:
            return end
        if previous_end is not None and covered < previous_end:
            return min(end, covered)
        return max(end, covered)

    def _stamp(self, row: dict[str, Any]) -> str:
        """The row's own ``SystemModstamp``, then its parents' (``also_changed``), joined by ``|``."""
        parts = [str(row.get("SystemModstamp") or "")]
        for dotted in self.also_changed:
            value: Any = row
            for name in dotted.split("."):
                value = value.get(name) if isinstance(value, dict) else None
            parts.append(str(value or ""))
        return "|".join(parts).rstrip("|")

    def _floor(self, watermark: datetime | None, last_read: datetime | None, covered: datetime | None,
               upto: datetime | None) -> tuple[datetime | None, bool]:
        """Where the next read starts (``None``: from the beginning), and whether the start itself is included.

        Wanted: every row the last read did not settle: rows a transaction still open then has committed
        since, and every row at or past its settled bound ``upto`` (read by a fresh read past the watermark,
        perhaps, but not yet safe from late commits around it).
        """
        start, inclusive = self._lower(watermark, last_read, covered)
        if upto is not None and start is not None and upto <= start:
            return upto, True
        return start, inclusive

    def _lower(self, watermark: datetime | None, last_read: datetime | None,
               covered: datetime | None) -> tuple[datetime | None, bool]:
        """Where the next read starts for the rows committed late (see :meth:`_floor`)."""
        if covered is not None:
            # Everything stamped before the coverage had committed when Get Updated answered, so the query that
            # followed saw it (and rows in (watermark, coverage) cannot exist: it would have returned them). Only a
            # row stamped at or after it can still appear: start there, whatever the watermark.
            return covered, True
        # No coverage: a fixed window, anchored at the last read's *server* time, so a burst of writes is re-read
        # until it is ``overlap`` old, not for as long as nothing newer arrives. Without a server time the
        # watermark, which the server's clock had passed at the read, stands in; with neither (nothing read yet)
        # the read starts at the beginning: an empty kind costs nothing to read whole.
        anchor = last_read or watermark
        if anchor is None:
            return None, True
        late = anchor - self.overlap
        if watermark is not None and watermark < late:
            return watermark, False
        return late, True

    def _state(self, cursor: str) -> dict[str, Any]:
        try:
            state = json.loads(cursor)
            if not isinstance(state, dict) or state.get("sobject") != self.sobject:
                raise ValueError("not a cursor of this adapter")
            if state.get("v") == 1:
                # A version-1 cursor's "at" came from the local clock: keep its watermark, drop the rest.
                state = {**state, "at": None, "read": state["at"], "seen": state.get("seen", {})}
            elif state.get("v") != CURSOR_VERSION:
                raise ValueError("unknown cursor version")
            read = parse_datetime(state["read"])
        except (ValueError, KeyError, TypeError):
            raise CursorExpired(f"{self.sobject}: unreadable change cursor; a full scan follows") from None
        if state.get("scope") != self.scope()[1]:
            raise CursorExpired(f"{self.sobject}: the scope changed since the cursor was made; a full scan follows")
        age = self.clock() - read
        if age > DELETED_WINDOW:
            window = "30-day update" if age > UPDATED_WINDOW else "15-day deletion"
            raise CursorExpired(
                f"{self.sobject}: the cursor is {age.days} days old, past Salesforce's {window} window "
                "(deleted rows may have been purged); a full scan follows"
            )
        return state

    def _cursor(self, got: FeedRead, watermark: datetime | None, seen: dict[str, str], read: datetime, *,
                end: datetime, upto: datetime | None) -> str:
        rows = got.rows
        stamps = [parse_datetime(part) for row in rows for part in self._stamp(row).split("|") if part]
        if stamps:
            watermark = max([*stamps, *([watermark] if watermark else [])])
        merged = dict(seen)
        merged.update({row["Id"]: self._stamp(row) for row in rows if row.get("SystemModstamp")})
        # Only rows the next read can return again are worth remembering.
        start, inclusive = self._floor(watermark, got.server_read, got.covered, upto)
        if start is not None:
            merged = {i: s for i, s in merged.items()
                      if (_latest(s) >= start if inclusive else _latest(s) > start)}
        state = {
            "v": CURSOR_VERSION, "sobject": self.sobject, "scope": self.scope()[1],
            "wm": format_datetime(watermark) if watermark else None,
            "at": format_datetime(got.server_read) if got.server_read else None,
            "cov": format_datetime(got.covered) if got.covered else None,
            "end": format_datetime(end), "upto": format_datetime(upto) if upto else None,
            "read": format_datetime(read), "seen": merged,
        }
        return json.dumps(state, sort_keys=True, separators=(",", ":"))
