"""Which people an event relates to, from its attendees: the decision, before anything is written.

For one record (attendees in the record's order; syncore keeps them sorted):

* ignored addresses (the ignore list, the user's own domain) are dropped first: never looked up nor related;
* every other address is a Contact, else an open Lead, else nobody (:mod:`._people`);
* with contacts among them, up to 50 contacts are related and leads are not (an activity relates to "up to 50
  contacts or one lead"); with no contact, the first lead alone;
* the first of them is the ``WhoId``; the others become relation rows (``EventRelation`` with ``IsParent``,
  ``TaskRelation``); without Shared Activities only the ``WhoId`` is related;
* ``WhatId`` per ``related_to``: the contacts' common Account (``unique``), the first contact's Account
  (``first``), or nothing (``never``); never with a lead as the Who (Salesforce keeps the What empty then);
* a private item relates to nobody ("Private events can't be associated with [...] leads, or contacts").

What was left out is said in warnings, so the user sees why a person is not on the timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from ._people import IgnoreList, Person
from .options import RelatedTo

#: "An event can be related to up to 50 contacts or one lead" (EventRelation, TaskRelation; Object Reference)
MAX_CONTACTS = 50
MAX_LEADS = 1


@attrs.frozen(kw_only=True)
class Wanted:
    """The people (and Account) one record should be related to."""

    people: tuple[Person, ...] = ()
    what: str | None = None
    warnings: tuple[str, ...] = ()
    #: addresses looked at (not ignored) and how many of them are nobody in Salesforce
    considered: int = 0
    ignored: int = 0

    @property
    def who(self) -> Person | None:
        return self.people[0] if self.people else None

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(p.id for p in self.people)


@attrs.frozen(kw_only=True)
class Policy:
    """The relation settings (see :class:`~.options.SalesforceOptions`)."""

    related_to: RelatedTo = RelatedTo.UNIQUE
    shared_activities: bool = True


def addresses(emails: Iterable[str], ignore: IgnoreList) -> tuple[list[str], int]:
    """The addresses to look up, in order and without repeats, and how many were ignored."""
    kept: list[str] = []
    ignored = 0
    for email in emails:
        address = email.strip().lower()
        if not address or address in kept:
            continue
        if ignore.ignores(address):
            ignored += 1
        else:
            kept.append(address)
    return kept, ignored


def wanted(
    emails: Iterable[str], *, private: bool, people: Mapping[str, Person], ignore: IgnoreList, policy: Policy
) -> Wanted:
    """Who a record with these attendees relates to (see the module docstring)."""
    if private:
        # private items are never related to anybody
        any_attendee = any(e.strip() for e in emails)
        return Wanted(
            warnings=("attendees not related: private items are never related to Salesforce people",)
            if any_attendee
            else ()
        )
    kept, ignored = addresses(emails, ignore)
    found: list[Person] = []
    for address in kept:
        person = people.get(address)
        if person is not None and all(p.id != person.id for p in found):
            found.append(person)
    warnings: list[str] = []
    contacts = [p for p in found if not p.is_lead]
    leads = [p for p in found if p.is_lead]
    if contacts:
        chosen = contacts[:MAX_CONTACTS]
        if len(contacts) > MAX_CONTACTS:
            warnings.append(
                f"{len(contacts)} attendees are Salesforce contacts: the first {MAX_CONTACTS} are "
                "related (Salesforce's limit)"
            )
        if leads:
            warnings.append(
                f"{len(leads)} attendee(s) are Salesforce leads and were not related: an activity "
                "relates to contacts or to one lead, and contacts come first"
            )
    else:
        chosen = leads[:MAX_LEADS]
        if len(leads) > MAX_LEADS:
            warnings.append(
                f"{len(leads)} attendees are Salesforce leads: only the first is related (an "
                "activity relates to one lead)"
            )
    if not policy.shared_activities and len(chosen) > 1:
        warnings.append(
            f"{len(chosen) - 1} more attendee(s) are Salesforce people but were not related: "
            "without Shared Activities an activity relates to one person"
        )
        chosen = chosen[:1]
    return Wanted(
        people=tuple(chosen),
        what=_what(chosen, policy.related_to),
        warnings=tuple(warnings),
        considered=len(kept),
        ignored=ignored,
    )


def _what(chosen: list[Person], related_to: RelatedTo) -> str | None:
    if related_to is RelatedTo.NEVER or not chosen or chosen[0].is_lead:
        # never asked for, nobody related, or a lead as the Who: Salesforce keeps the What empty then
        return None
    accounts = [p.account_id for p in chosen]
    if related_to is RelatedTo.FIRST:
        # the first related contact that belongs to an Account
        return next((a for a in accounts if a), None)
    # only when every related contact belongs to the same one
    return accounts[0] if accounts[0] and len(set(accounts)) == 1 else None


def unmatched_reason(want: Wanted, *, private: bool, noun: str) -> str | None:
    """Why a record relates to nobody (for ``require_match``), or None when it relates to someone."""
    if want.people:
        return None
    if private:
        return "private: private items are never related to Salesforce people (require_match)"
    if not want.considered and want.ignored:
        return f"all its {noun} are ignored (the user's own domain or the ignore list) (require_match)"
    if not want.considered:
        return f"no {noun} to relate it to a Salesforce contact or lead (require_match)"
    return f"none of its {noun} is a Salesforce contact or lead (require_match)"
