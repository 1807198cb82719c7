"""First-sync matching: pair records that already exist on both sides instead of duplicating them.

Keys, tried in order per kind (values compared case-insensitively, surrounding spaces ignored):

* contacts: email; then first name + last name + company
* events: subject + start + end
* tasks: subject + due date (subject alone when there is no due date)

A key that fits more than one record on either side is ambiguous: those records are reported, not guessed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable

import attrs

from .models import Contact, Event, Kind, Record, Task
from .remote import RemoteRecord


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _contact_email(record: Record) -> Hashable | None:
    assert isinstance(record, Contact)
    return _fold(record.email) or None


def _contact_name(record: Record) -> Hashable | None:
    assert isinstance(record, Contact)
    if not (record.first_name or record.last_name):
        return None
    return (_fold(record.first_name), _fold(record.last_name), _fold(record.company))


def _event_key(record: Record) -> Hashable | None:
    assert isinstance(record, Event)
    return (_fold(record.subject), record.start, record.end)


def _task_key(record: Record) -> Hashable | None:
    assert isinstance(record, Task)
    return (_fold(record.subject), record.due)


MATCH_KEYS: dict[Kind, tuple[Callable[[Record], Hashable | None], ...]] = {
    Kind.CONTACT: (_contact_email, _contact_name),
    Kind.EVENT: (_event_key,),
    Kind.TASK: (_task_key,),
}


@attrs.frozen(kw_only=True)
class MatchResult:
    """Pairs found, and records whose key matched more than one candidate."""

    pairs: tuple[tuple[RemoteRecord, RemoteRecord], ...]
    #: (side, record, reason) with side "pim" or "crm"
    ambiguous: tuple[tuple[str, RemoteRecord, str], ...]


def match(kind: Kind, pim: Iterable[RemoteRecord], crm: Iterable[RemoteRecord]) -> MatchResult:
    """Pair unpaired PIM and CRM records by the kind's keys, most specific key first."""
    pim_left = {item.id: item for item in pim}
    crm_left = {item.id: item for item in crm}
    pairs: list[tuple[RemoteRecord, RemoteRecord]] = []
    ambiguous: dict[tuple[str, str], tuple[RemoteRecord, str]] = {}  # ids are unique per side only
    for key_of in MATCH_KEYS[kind]:
        pim_by_key: dict[Hashable, list[RemoteRecord]] = defaultdict(list)
        crm_by_key: dict[Hashable, list[RemoteRecord]] = defaultdict(list)
        for item in pim_left.values():
            if (key := key_of(item.record)) is not None:
                pim_by_key[key].append(item)
        for item in crm_left.values():
            if (key := key_of(item.record)) is not None:
                crm_by_key[key].append(item)
        for key, pim_items in pim_by_key.items():
            crm_items = crm_by_key.get(key)
            if not crm_items:
                continue
            if len(pim_items) == 1 and len(crm_items) == 1:
                pairs.append((pim_items[0], crm_items[0]))
                del pim_left[pim_items[0].id]
                del crm_left[crm_items[0].id]
                continue
            reason = (
                f"ambiguous match: {len(pim_items)} PIM and {len(crm_items)} CRM records share the same "
                f"{key_of.__name__.lstrip('_').replace('_', ' ')}"
            )
            for item in pim_items:
                ambiguous[("pim", item.id)] = (item, reason)
                pim_left.pop(item.id, None)
            for item in crm_items:
                ambiguous[("crm", item.id)] = (item, reason)
                crm_left.pop(item.id, None)
    return MatchResult(
        pairs=tuple(pairs),
        ambiguous=tuple((side, item, reason) for (side, _), (item, reason) in ambiguous.items()),
    )
