"""Occurrences of a recurring master as items: made on demand, addressed by ItemId, OccurrenceItemId (master and
1-based instance index) or RecurringMasterItemId (an occurrence's master), turned into exceptions when written.

* "You can specify the occurrence to change by using either an ItemId or an OccurrenceItemId element"; "When you
  change a single occurrence in a series, that occurrence is added to an array of modified appointments associated
  with the recurring master" (…/how-to-update-a-recurring-series-by-using-ews).
* "If the item ID corresponds to a single occurrence, only that occurrence will be deleted"; OccurrenceItemId "is
  constructed from the item ID of the recurring master and the index of the occurrence"
  (…/how-to-delete-appointments-in-a-recurring-series-by-using-ews-in-exchange).
* Index errors (…/web-service-reference/responsecode): ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange ("if
  your recurrence pattern defines a set of three meeting occurrences and you try to access the fifth"),
  ErrorCalendarOccurrenceIsDeletedFromRecurrence ("any operation on a deleted occurrence (addressed via recurring
  master ID and occurrence index) is invalid": deleted occurrences keep their index),
  ErrorCalendarCannotUseIdForRecurringMasterId / ErrorCalendarCannotUseIdForOccurrenceId (an id of the wrong kind),
  ErrorOccurrenceCrossingBoundary (an occurrence moved "earlier or later than the corresponding previous or next
  occurrence").
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from collections.abc import Iterator

from lxml import etree

from .recurrence import RecurrenceError, Timing, original_starts
from .store import StoredItem, occurrence_id, parse_occurrence_id, stamp
from .xmlns import el, parse_datetime, utc_text

#: properties only a master has; an occurrence never shows them
MASTER_ONLY = {"Recurrence", "ModifiedOccurrences", "DeletedOccurrences", "FirstOccurrence", "LastOccurrence"}
#: the longest a series is walked to find an index or a window's occurrences (an endless daily series for 27 years)
MAX_WALK = 10_000


class OccurrenceError(Exception):
    """An occurrence reference Exchange refuses; ``code`` is the ResponseCode."""

    def __init__(self, code: str, text: str = ""):
        super().__init__(text or code)
        self.code = code
        self.text = text or code


def is_master(item: StoredItem) -> bool:
    """True for a recurring calendar master."""
    return item.kind == "CalendarItem" and item.master is None and "Recurrence" in item.props


def starts(master: StoredItem) -> Iterator[dt.datetime]:
    """Original starts of every occurrence (deleted ones included), in order."""
    return itertools.islice(original_starts(master.props), MAX_WALK)


def view(master: StoredItem, original: dt.datetime) -> StoredItem:
    """The occurrence of ``master`` whose original start is ``original``, as an item (its exception applied)."""
    timing = Timing.of(master.props)
    props = {tag: copy.deepcopy(elem) for tag, elem in master.props.items() if tag not in MASTER_ONLY}
    props["Start"] = el("t:Start", utc_text(original))
    props["End"] = el("t:End", utc_text(timing.end(timing.day_of(original))))
    for tag, elem in master.exceptions.get(stamp(original), {}).items():
        props[tag] = copy.deepcopy(elem)
    return StoredItem(occurrence_id(master.id, original), master.kind, master.mailbox, master.folder, props,
                      [copy.deepcopy(e) for e in master.extended], master.version, master.created, master.modified,
                      master=master, original_start=original)


def live(master: StoredItem) -> Iterator[StoredItem]:
    """Every occurrence that was not deleted, in order of original start."""
    return (view(master, start) for start in starts(master) if stamp(start) not in master.deleted)


def by_index(master: StoredItem, index: int) -> dt.datetime:
    """The original start of occurrence number ``index`` (1-based, deleted ones counted)."""
    found = next(itertools.islice(starts(master), index - 1, None), None) if index >= 1 else None
    if found is None:
        raise OccurrenceError("ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange")
    if stamp(found) in master.deleted:
        raise OccurrenceError("ErrorCalendarOccurrenceIsDeletedFromRecurrence")
    return found


def has_occurrence(master: StoredItem, original: dt.datetime) -> bool:
    """True when the pattern gives an occurrence starting at ``original`` (deleted or not)."""
    for start in starts(master):
        if start >= original:
            return start == original
    return False


def lookup(store, item_id: str) -> StoredItem | None:
    """The stored item or the occurrence ``item_id`` names, or None."""
    item = store.get(item_id)
    if item is not None:
        return item
    parsed = parse_occurrence_id(item_id)
    if parsed is None:
        return None
    master = store.get(parsed[0])
    if master is None or not is_master(master) or stamp(parsed[1]) in master.deleted \
            or not has_occurrence(master, parsed[1]):
        return None
    return view(master, parsed[1])


def in_window(master: StoredItem, start: dt.datetime, end: dt.datetime) -> list[StoredItem]:
    """The occurrences that overlap ``[start, end)`` (CalendarView), in order of their start."""
    found = []
    beyond = 0
    for original in starts(master):
        if original >= end:
            # a moved occurrence stays between its neighbours: two originals past the end close the window
            beyond += 1
            if beyond > 1:
                break
        if stamp(original) in master.deleted:
            continue
        occurrence = view(master, original)
        s, e = (parse_datetime(occurrence.props[t].text) for t in ("Start", "End"))
        if s < end and e > start:
            found.append(occurrence)
    return sorted(found, key=lambda o: o.props["Start"].text)


def check_move(occurrence: StoredItem) -> None:
    """Refuse an occurrence moved to or past the start of the occurrence before or after it."""
    master, original = occurrence.master, occurrence.original_start
    assert master is not None and original is not None
    new_start = parse_datetime(occurrence.props["Start"].text)
    before = after = None
    for start in starts(master):
        if start < original:
            before = start
        elif start > original:
            after = start
            break
    neighbours = [view(master, s) for s in (before, after) if s is not None and stamp(s) not in master.deleted]
    for other in neighbours:
        other_start = parse_datetime(other.props["Start"].text)
        if (other.original_start < original and new_start <= other_start) or \
                (other.original_start > original and new_start >= other_start):  # type: ignore[operator]
            raise OccurrenceError("ErrorOccurrenceCrossingBoundary")


def store_exception(occurrence: StoredItem) -> None:
    """Keep what differs between ``occurrence`` (written) and the pattern's occurrence, on its master."""
    master, original = occurrence.master, occurrence.original_start
    assert master is not None and original is not None
    key = stamp(original)
    master.exceptions.pop(key, None)
    generated = view(master, original)
    master.exceptions[key] = {
        tag: copy.deepcopy(elem) for tag, elem in occurrence.props.items()
        if tag not in MASTER_ONLY and (tag not in generated.props
                                       or etree.tostring(generated.props[tag]) != etree.tostring(elem))
    }
    master.extended = occurrence.extended


def delete(occurrence: StoredItem) -> None:
    """Delete one occurrence: its master lists it in DeletedOccurrences from now on."""
    master, original = occurrence.master, occurrence.original_start
    assert master is not None and original is not None
    master.exceptions.pop(stamp(original), None)
    master.deleted.add(stamp(original))


def prune(master: StoredItem, recurrence_changed: bool) -> None:
    """After the master changed: a new pattern drops every exception and deletion (unverified, as Outlook warns
    "any exceptions associated with this recurring appointment will be lost"); otherwise those whose original start
    the pattern no longer gives go (a moved series start)."""
    if recurrence_changed or not is_master(master):
        master.exceptions.clear()
        master.deleted.clear()
        return
    valid = {stamp(s) for s in starts_until(master, max([*master.exceptions, *master.deleted], default=None))}
    for key in [k for k in master.exceptions if k not in valid]:
        del master.exceptions[key]
    master.deleted &= valid


def starts_until(master: StoredItem, last: str | None) -> Iterator[dt.datetime]:
    """Original starts up to the one stamped ``last`` (inclusive)."""
    if last is None:
        return iter(())
    limit = dt.datetime.strptime(last, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    return itertools.takewhile(lambda s: s <= limit, starts(master))


def check_pattern(item: StoredItem) -> None:
    """Refuse a recurrence Exchange refuses: no occurrence at all (ErrorRecurrenceHasNoOccurrence), a pattern or
    range it cannot read (its own code)."""
    if item.kind != "CalendarItem" or "Recurrence" not in item.props:
        return
    if "Start" not in item.props or "End" not in item.props:
        raise RecurrenceError("ErrorCalendarInvalidRecurrence", "a recurring item needs a Start and an End")
    if next(original_starts(item.props), None) is None:
        raise RecurrenceError("ErrorRecurrenceHasNoOccurrence")
