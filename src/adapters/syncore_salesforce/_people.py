"""Who an email address is in Salesforce: a Contact, else an open Lead; resolved in batches, once per sync.

``SELECT Id, Email, AccountId, CreatedDate FROM Contact WHERE Email IN (…)`` and the same on Lead with
``IsConverted = false``, 200 addresses per query (:data:`._scope.IN_QUERY_CHUNK`), values quoted by
``format_soql``. SOQL compares text case-insensitively, so one lower-cased address finds every spelling. An
address no Contact has is looked up among Leads (when leads are on); converted leads are never used: they are
read-only and their person lives on as the Contact the conversion made.

People are shared across owners: the lookup is not limited to the running user's records (``scope``) nor to
``extra_filter`` (a condition written for activities); Salesforce's sharing decides what the user sees.

Answers are kept until :meth:`PeopleDirectory.forget` (called when a sync starts reading a kind), so planning
(``require_match``) and writing ask once between them. Several people with one address: the oldest record wins
(``CreatedDate``, then ``Id``), every time, so a choice never flips between syncs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
from simple_salesforce import format_soql

from ._scope import IN_QUERY_CHUNK
from ._transport import Transport
from .converter import to18

#: free-mail domains: a user writing from one of these shares the domain with customers, so it is never
#: ignored as "the user's own domain" (it can still be listed in ``ignore``)
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "proton.me",
        "protonmail.com",
        "mail.com",
        "yandex.com",
    }
)


@attrs.frozen(kw_only=True)
class Person:
    """A Salesforce Contact or Lead found for an address."""

    id: str
    sobject: str  # "Contact" or "Lead"
    email: str
    account_id: str | None = None

    @property
    def is_lead(self) -> bool:
        return self.sobject == "Lead"


def domain_of(address: str) -> str:
    """The lower-cased domain of an address ('' when it has none)."""
    return address.rpartition("@")[2].strip().lower() if "@" in address else ""


class IgnoreList:
    """Addresses and domains never looked up nor related: the configured ones and the user's own domain."""

    def __init__(self, entries: Iterable[str], own_domain: str | None = None) -> None:
        self.addresses = frozenset(e.strip().lower() for e in entries if "@" in e.strip()[1:])
        self.domains = frozenset(e.strip().lower().lstrip("@") for e in entries if "@" not in e.strip()[1:])
        self.own_domain = (
            own_domain.lower() if own_domain and own_domain.lower() not in PUBLIC_MAIL_DOMAINS else None
        )

    def ignores(self, address: str) -> bool:
        """True for a listed address, or one in a listed domain (or a subdomain of one), or the own domain."""
        address = address.strip().lower()
        if address in self.addresses:
            return True
        domain = domain_of(address)
        domains = self.domains | ({self.own_domain} if self.own_domain else set())
        return any(domain == d or domain.endswith("." + d) for d in domains)


class PeopleDirectory:
    """Addresses to :class:`Person` records, asked in batches and kept for one sync."""

    def __init__(self, transport: Transport, *, leads: bool) -> None:
        self.transport = transport
        self.leads = leads
        self._known: dict[str, Person | None] = {}
        #: queries sent per object, for the adapter's own accounting (tests count the emulator's log)
        self.queries = {"Contact": 0, "Lead": 0}

    def forget(self) -> None:
        """Drop what was learnt: a new sync asks again (people are added and edited in between)."""
        self._known.clear()

    def resolve(self, addresses: Iterable[str]) -> dict[str, Person]:
        """The people among ``addresses`` (lower-cased keys); addresses nobody has are absent."""
        wanted = sorted({a.strip().lower() for a in addresses if a and "@" in a} - self._known.keys())
        if wanted:
            found = self._lookup("Contact", "Id, Email, AccountId, CreatedDate", wanted, "")
            missing = [a for a in wanted if a not in found]
            if self.leads and missing:
                found.update(
                    self._lookup("Lead", "Id, Email, CreatedDate", missing, " AND IsConverted = false")
                )
            for address in wanted:
                self._known[address] = found.get(address)
        return {
            a: p for a in {x.strip().lower() for x in addresses if x} if (p := self._known.get(a)) is not None
        }

    def _lookup(self, sobject: str, select: str, addresses: list[str], condition: str) -> dict[str, Person]:
        rows: list[dict[str, Any]] = []
        for start in range(0, len(addresses), IN_QUERY_CHUNK):
            # object and field names are constants; the addresses are quoted by format_soql
            soql = format_soql(
                f"SELECT {select} FROM {sobject} WHERE Email IN {{}}{condition}",
                addresses[start : start + IN_QUERY_CHUNK],
            )
            self.queries[sobject] += 1
            rows += self.transport.query_pages(soql, include_deleted=False, what=f"{sobject} lookup by email")
        found: dict[str, Person] = {}
        # the oldest record of an address wins, so repeated syncs choose the same one
        for row in sorted(rows, key=lambda r: (str(r.get("CreatedDate") or ""), str(r.get("Id")))):
            address = str(row.get("Email") or "").lower()
            if address and address not in found:
                account = row.get("AccountId")
                found[address] = Person(
                    id=to18(row["Id"]),
                    sobject=sobject,
                    email=address,
                    account_id=to18(account) if account else None,
                )
        return found
