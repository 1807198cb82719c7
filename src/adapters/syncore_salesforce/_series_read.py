"""Reading Events when some of them are series (reference §1.4, :mod:`._mapping.series`).

A change feed, a scan or a lookup returns rows; a series is many rows (its pattern row and one per occurrence)
and usually only some of them changed. Every series a row belongs to is read whole with one query per kind of
series and batch (classic: ``RecurrenceActivityId IN (…)``; Lightning: ``Recurrence2PatternStartDate IN (…)``,
grouped by owner and pattern), so a series of N occurrences costs O(1) reads, never N.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs
from simple_salesforce import format_soql

from syncore.remote import RemoteRecord, Unsupported

from ._mapping import CONVERTER, events
from ._mapping import series as series_rows
from ._mapping.series import CLASSIC, LIGHTNING, ReadSeries, SeriesRows
from ._query import soql_datetime
from ._scope import IN_QUERY_CHUNK, Scope
from ._transport import Transport
from .converter import to18

Row = dict[str, Any]


@attrs.frozen(kw_only=True)
class Resolved:
    """What a batch of Event rows holds: records (singles and whole series), deletions, what cannot be synced,
    and the series read (for writers, by series id)."""

    upserts: tuple[RemoteRecord, ...] = ()
    deletions: tuple[str, ...] = ()
    unsupported: tuple[Unsupported, ...] = ()
    series: dict[str, ReadSeries] = attrs.field(factory=dict)


class SeriesReader:
    """Groups Event rows into single events and whole series."""

    def __init__(self, transport: Transport, scope: Scope, select: Callable[[], tuple[str, ...]],
                 with_link: Callable[[Row], Row]) -> None:
        """``select``: the fields a series' rows are read with (the feed's and the pattern text)."""
        self.transport = transport
        self.scope = scope
        self.select = select
        self.with_link = with_link

    # -- grouping -------------------------------------------------------------------------------------------
    def resolve(self, rows: Iterable[Row]) -> Resolved:
        """Map ``rows`` (deleted ones included): each series a row belongs to is read whole (the feed does not
        select the pattern text; see :data:`._mapping.events.SELECT`)."""
        upserts: list[RemoteRecord] = []
        deletions: list[str] = []
        unsupported: list[Unsupported] = []
        classic: set[str] = set()
        lightning: set[tuple[str, str, str]] = set()
        #: live series rows this batch holds: each must end up in a series read, or be reported
        seen: dict[str, Row] = {}
        for row in rows:
            kind = series_rows.form(row)
            if row.get("IsDeleted"):
                if kind is None or series_rows.is_pattern_row(row):
                    deletions.append(row["Id"])  # a single event, or a whole series, in the Recycle Bin
                elif kind == CLASSIC:
                    classic.add(to18(row["RecurrenceActivityId"]))  # one occurrence gone: its series changed
                else:
                    lightning.add(series_rows.lightning_anchor(row))
                continue
            if kind is None or row.get("IsChild"):
                item = events.from_sf(self.with_link(row))
                (upserts if isinstance(item, RemoteRecord) else unsupported).append(item)  # type: ignore[arg-type]
                continue
            seen[to18(row["Id"])] = row
            if kind == CLASSIC:
                classic.add(to18(row.get("RecurrenceActivityId") or row["Id"]))
            else:
                lightning.add(series_rows.lightning_anchor(row))
        found, orphans = self.load(classic_ids=classic, lightning_anchors=lightning)
        placed = {to18(r["Id"]) for item in found.values() for r in (item.pattern, *item.occurrences)}
        # A row the series queries did not bring back with its series (a Lightning row without a pattern start,
        # an occurrence whose series record is out of scope) is reported, never dropped unseen.
        orphans += [seen[rid] for rid in sorted(seen.keys() - placed - {to18(o["Id"]) for o in orphans})]
        read: dict[str, ReadSeries] = {}
        for rows_of in found.values():
            item = series_rows.read(rows_of, self.with_link(rows_of.pattern).get("_link"))
            if isinstance(item, ReadSeries):
                upserts.append(item.item)
                read[rows_of.id] = item
            else:
                unsupported.append(item)
        # ... but the rows of a cut Salesforce is still removing are neither: they lie past their series' end
        by_anchor = {series_rows.lightning_anchor(item.rows.pattern): item for item in read.values()
                     if item.rows.form == LIGHTNING}
        orphans = [row for row in orphans if not (
            series_rows.form(row) == LIGHTNING and (item := by_anchor.get(series_rows.lightning_anchor(row)))
            is not None and series_rows.beyond_end(item, row))]
        for orphan in sorted(orphans, key=lambda row: row["Id"]):
            reason = "recurring series occurrence whose series record syncore cannot read; left alone"
            unsupported.append(Unsupported(id=orphan["Id"], reason=reason, label=events.label(orphan)))
        return Resolved(upserts=tuple(upserts), deletions=tuple(deletions), unsupported=tuple(unsupported),
                        series=read)

    def group(self, rows: Iterable[Row]) -> tuple[dict[str, SeriesRows], list[Row]]:
        """Live series rows -> their series (by series id), and occurrences whose pattern row is not among
        them (one row per series)."""
        patterns: dict[str, Row] = {}
        by_series: dict[str, list[Row]] = defaultdict(list)
        lightning_ids: dict[tuple[str, str, str, str], list[Row]] = defaultdict(list)
        unplaced: list[Row] = []
        for row in rows:
            if str(row.get("GroupEventType") or "") == "3":
                patterns[row["Id"]] = row
                lightning_ids[series_rows.lightning_key(row)].append(row)
            elif row.get("IsRecurrence"):
                patterns[row["Id"]] = row
            else:
                unplaced.append(row)
        orphans: dict[object, Row] = {}
        for row in unplaced:
            if series_rows.form(row) == CLASSIC:
                owner: str | None = to18(row["RecurrenceActivityId"])
                group_key: object = owner
            else:
                group_key = series_rows.lightning_key(row)
                owner = _lightning_owner(lightning_ids.get(group_key, []), row)  # type: ignore[arg-type]
            if owner is None or owner not in patterns:
                orphans.setdefault(group_key, row)
                continue
            by_series[owner].append(row)
        found = {sid: SeriesRows(pattern=row, occurrences=tuple(by_series.get(sid, ()))) for sid, row in patterns.items()}
        return found, sorted(orphans.values(), key=lambda row: row["Id"])

    # -- reads ----------------------------------------------------------------------------------------------
    def load(self, *, classic_ids: Iterable[str] = (), lightning_anchors: Iterable[tuple[str, str, str]] = (),
             lightning_starts: Iterable[datetime] = (), leaving: Iterable[str] = ()
             ) -> tuple[dict[str, SeriesRows], list[Row]]:
        """Every live row of the named series (classic by main record id, Lightning by owner, start and zone, or by
        start alone) and the occurrences found without their series record.

        ``leaving``: ids of rows of a series the caller is replacing, left out. The new series can have the old
        one's owner, start, zone and rule (bringing back a cancelled occurrence), and Lightning rows name no series
        ("Lightning Experience event series have no series ID", reference §1.4): grouped with the new series, the
        old rows took its occurrences' places, and writes meant for the new rows were judged against them."""
        rows: dict[str, Row] = {}
        ids = sorted(set(classic_ids))
        if ids:
            for row in self.scope.query("Event", self.select(), "RecurrenceActivityId", ids, "series rows"):
                rows[row["Id"]] = row
        anchors = set(lightning_anchors)
        starts = sorted({CONVERTER.structure(key[1], datetime) for key in anchors if key[1]} | set(lightning_starts))
        for row in self._by_pattern_start(starts):
            rows[row["Id"]] = row
        gone = {to18(row_id) for row_id in leaving}
        found, orphans = self.group(row for row in rows.values() if to18(row["Id"]) not in gone)
        if anchors and not lightning_starts:
            # other series that happen to start at the same instant are not this call's business
            found = {sid: item for sid, item in found.items()
                     if sid in ids or series_rows.lightning_anchor(item.pattern) in anchors}
        return found, orphans

    def _by_pattern_start(self, starts: Sequence[datetime]) -> Iterable[Row]:
        condition, _ = self.scope.condition()
        for begin in range(0, len(starts), IN_QUERY_CHUNK):
            # instants rendered here (never from user input), passed through format_soql's literal spec
            literals = ", ".join(soql_datetime(value) for value in starts[begin : begin + IN_QUERY_CHUNK])
            soql = format_soql(f"SELECT {', '.join(self.select())} FROM Event "
                               "WHERE Recurrence2PatternStartDate IN ({:literal})", literals)
            if condition:
                soql += f" AND {condition}"
            yield from self.transport.query_pages(soql, include_deleted=False, what="Event series rows")

    def expand(self, rows: Iterable[Row]) -> Resolved:
        """Rows read by id (a fetch or a link lookup): pattern rows are read with their occurrences; a lone
        occurrence row is not a record of this adapter (its series is)."""
        classic: set[str] = set()
        lightning: set[tuple[str, str, str]] = set()
        singles: list[Row] = []
        for row in rows:
            kind = series_rows.form(row)
            if kind is None or row.get("IsChild"):
                singles.append(row)
            elif series_rows.is_pattern_row(row):
                if kind == LIGHTNING:
                    lightning.add(series_rows.lightning_anchor(row))
                else:
                    classic.add(to18(row["Id"]))
        resolved = self.resolve(singles)
        found, _ = self.load(classic_ids=classic, lightning_anchors=lightning)
        upserts = list(resolved.upserts)
        unsupported = list(resolved.unsupported)
        read: dict[str, ReadSeries] = {}
        for rows_of in found.values():
            item = series_rows.read(rows_of, self.with_link(rows_of.pattern).get("_link"))
            if isinstance(item, ReadSeries):
                upserts.append(item.item)
                read[rows_of.id] = item
            else:
                unsupported.append(item)
        return Resolved(upserts=tuple(upserts), unsupported=tuple(unsupported), series=read)


def _lightning_owner(candidates: list[Row], row: Row) -> str | None:
    """The series record a Lightning occurrence row belongs to, among those with its owner and pattern.

    Usually one. Several when a series was replaced by one of the same pattern (bringing back a cancelled
    occurrence) and Salesforce has not finished deleting the old one ("Wait for all events to be removed", REST
    guide, "Delete Lightning Experience Event Series"), or when two such series were made. No field names an
    occurrence's series; but Salesforce makes a series' occurrence rows with the series, or after it on a critical
    edit ("the series is deleted and re-created", CDC guide), never before it: the row belongs to the latest series
    record created at or before it (``CreatedDate``; unverified against a live org). Taken by the other series,
    the old rows took the new series' occurrences, and writes meant for them landed on rows about to be deleted.
    """
    if len(candidates) <= 1:
        return str(candidates[0]["Id"]) if candidates else None
    made = _created(row)
    ordered = sorted(candidates, key=lambda pattern: (_created(pattern), str(pattern["Id"])))
    # (none created before it: not made by Salesforce as documented; the latest, as when there is one)
    return str(([pattern for pattern in ordered if _created(pattern) <= made] or ordered)[-1]["Id"])


def _created(row: Row) -> datetime:
    """A row's ``CreatedDate`` (the earliest instant when the row does not hold it)."""
    value = row.get("CreatedDate")
    return CONVERTER.structure(value, datetime) if value else datetime.min.replace(tzinfo=UTC)
