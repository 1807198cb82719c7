"""First-sync matching: pair records that already exist on both sides instead of duplicating them.

Keys, tried in order per kind (values compared case-insensitively, surrounding spaces ignored):

* contacts: email; then first name + last name + company, but only between two records of which at least one
  has no email — when both sides have an email, the email decides ("John Smith <john@a>" and
  "John Smith <john.smith@b>" are two people)
* events: subject + start + end, a series only with a series (a series' start is its first occurrence, which a
  single event or another series' occurrence of the same subject and times is not)
* tasks: subject + due date (subject alone when there is no due date)

A record whose key fits more than one possible partner (or whose partner has several) is ambiguous: those
records are reported, not guessed.
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


def _not_both_emails(pim: Record, crm: Record) -> bool:
    # Two records that both carry an email were not matched by it: different addresses, different people.
    assert isinstance(pim, Contact) and isinstance(crm, Contact)
    return not (_fold(pim.email) and _fold(crm.email))


def _always(pim: Record, crm: Record) -> bool:
    return True


def _same_shape(pim: Record, crm: Record) -> bool:
    return (getattr(pim, "recurrence", None) is None) == (getattr(crm, "recurrence", None) is None)


def _event_key(record: Record) -> Hashable | None:
    assert isinstance(record, Event)
    return (_fold(record.subject), record.start, record.end)


def _task_key(record: Record) -> Hashable | None:
    assert isinstance(record, Task)
    return (_fold(record.subject), record.due)


KeyFunction = Callable[[Record], Hashable | None]
#: which PIM and CRM records sharing a key may still be paired
Compatible = Callable[[Record, Record], bool]

MATCH_KEYS: dict[Kind, tuple[tuple[KeyFunction, Compatible], ...]] = {
    Kind.CONTACT: ((_contact_email, _always), (_contact_name, _not_both_emails)),
    Kind.EVENT: ((_event_key, _same_shape),),
    Kind.TASK: ((_task_key, _always),),
}


@attrs.frozen(kw_only=True)
class MatchResult:
    """Pairs found, and records whose key matched more than one candidate."""

    pairs: tuple[tuple[RemoteRecord, RemoteRecord], ...]
    #: (side, record, reason) with side "pim" or "crm"
    ambiguous: tuple[tuple[str, RemoteRecord, str], ...]


def match(kind: Kind, pim: Iterable[RemoteRecord], crm: Iterable[RemoteRecord]) -> MatchResult:
    """Pair unpaired PIM and CRM records by the kind's keys, most specific key first."""
    # Nothing to match when a side has no unpaired record (an initial load into an empty side): no key is made for
    # the other side's records (at 100k contacts, their keys and tables were 40 MB of heap, made and dropped).
    crm_left = {item.id: item for item in crm}
    if not crm_left:
        return MatchResult(pairs=(), ambiguous=())
    pim_left = {item.id: item for item in pim}
    if not pim_left:
        return MatchResult(pairs=(), ambiguous=())
    pairs: list[tuple[RemoteRecord, RemoteRecord]] = []
    ambiguous: dict[tuple[str, str], tuple[RemoteRecord, str]] = {}  # ids are unique per side only
    for key_of, compatible in MATCH_KEYS[kind]:
        pim_by_key: dict[Hashable, list[RemoteRecord]] = defaultdict(list)
        crm_by_key: dict[Hashable, list[RemoteRecord]] = defaultdict(list)
        for item in pim_left.values():
            if (key := key_of(item.record)) is not None:
                pim_by_key[key].append(item)
        for item in crm_left.values():
            if (key := key_of(item.record)) is not None:
                crm_by_key[key].append(item)
        reason_key = key_of.__name__.lstrip("_").replace("_", " ")
        for key, pim_items in pim_by_key.items():
            crm_items = crm_by_key.get(key)
            if not crm_items:
                continue
            candidates = {("pim", p.id): [c for c in crm_items if compatible(p.record, c.record)] for p in pim_items}
            candidates.update({("crm", c.id): [p for p in pim_items if compatible(p.record, c.record)]
                               for c in crm_items})
            for pim_item in pim_items:
                options = candidates[("pim", pim_item.id)]
                if not options:
                    continue  # nothing this record may pair with under this key: later keys or a create
                if len(options) == 1 and len(candidates[("crm", options[0].id)]) == 1:
                    # exactly one candidate each way: the same record on both sides
                    pairs.append((pim_item, options[0]))
                    del pim_left[pim_item.id]
                    del crm_left[options[0].id]
                    continue
                reason = (f"ambiguous match: {len(pim_items)} PIM and {len(crm_items)} CRM records share the "
                          f"same {reason_key}")
                for side, items in (("pim", [pim_item]), ("crm", options)):
                    for item in items:
                        ambiguous[(side, item.id)] = (item, reason)
                        (pim_left if side == "pim" else crm_left).pop(item.id, None)
    return MatchResult(
        pairs=tuple(pairs),
        ambiguous=tuple((side, item, reason) for (side, _), (item, reason) in ambiguous.items()),
    )
