"""Graph ``contact`` ⇄ :class:`~syncore.models.Contact`.

syncore owns the first entry of ``emailAddresses`` and of ``businessPhones`` and the ``businessAddress``; both
lists are written whole by Graph, so an update of ``email`` or ``phone`` keeps the contact's other entries
(the write layer reads them first). ``personalNotes`` is plain text.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from syncore.models import Body, Contact

from .values import text

_SCALARS = {"first_name": "givenName", "last_name": "surname", "title": "jobTitle", "department": "department",
            "company": "companyName", "mobile_phone": "mobilePhone"}
ADDRESS_PARTS = {"mailing_street": "street", "mailing_city": "city", "mailing_state": "state",
                 "mailing_postal_code": "postalCode", "mailing_country": "countryOrRegion"}
#: fields whose write needs the contact's current lists
LIST_FIELDS = frozenset({"email", "phone"})


def contact_from_graph(contact: dict[str, Any]) -> Contact:
    emails = contact.get("emailAddresses") or []
    phones = contact.get("businessPhones") or []
    address = contact.get("businessAddress") or {}
    birthday = contact.get("birthday")
    values = {name: text(contact.get(prop)) for name, prop in _SCALARS.items()}
    values.update({name: text(address.get(part)) for name, part in ADDRESS_PARTS.items()})
    return Contact(
        email=text(emails[0].get("address") if emails else "").strip(),
        phone=text(phones[0] if phones else ""),
        birthday=date.fromisoformat(birthday[:10]) if birthday else None,
        notes=Body(text=text(contact.get("personalNotes"))),
        **values,
    )


def display_name(contact: Contact) -> str:
    name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
    return name or contact.company or contact.email or "(no name)"


def contact_to_graph(contact: Contact, fields: frozenset[str] | None, current: dict[str, Any] | None = None,
                     ) -> dict[str, Any]:
    """Graph properties for ``fields`` (all when None); ``current`` is the stored contact (for list entries)."""
    names = set(Contact.field_names()) if fields is None else set(fields)
    out: dict[str, Any] = {prop: getattr(contact, name) or None for name, prop in _SCALARS.items() if name in names}
    if fields is None or names & {"first_name", "last_name", "company"}:
        out["displayName"] = display_name(contact)
    if "email" in names:
        others = list((current or {}).get("emailAddresses") or [])[1:]
        first = [{"address": contact.email, "name": display_name(contact)}] if contact.email else []
        out["emailAddresses"] = first + others
    if "phone" in names:
        others = list((current or {}).get("businessPhones") or [])[1:]
        out["businessPhones"] = ([contact.phone] if contact.phone else []) + others
    if names & set(ADDRESS_PARTS):
        out["businessAddress"] = {part: getattr(contact, name) or None for name, part in ADDRESS_PARTS.items()}
    if "birthday" in names:
        out["birthday"] = f"{contact.birthday.isoformat()}T00:00:00Z" if contact.birthday else None
    if "notes" in names:
        out["personalNotes"] = contact.notes.text
    return out
