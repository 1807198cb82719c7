"""Contact ⇄ :class:`~syncore.models.Contact`.

Indexed fields are written **per entry**: syncore owns ``EmailAddress1``, ``BusinessPhone``, ``MobilePhone``
and the ``Business`` address; :func:`contact_fields` returns only those labels (None: delete the entry) and
the write layer sends a Set/DeleteItemField for each of them alone (``syncore_exchange._update``), so the
item's other entries are never touched and need not be read.
"""

from __future__ import annotations

from typing import Any

from syncore.models import Contact

from .values import body_from_item, body_value, plain_date, text

EMAIL_LABEL = "EmailAddress1"
PHONE_LABELS = {"phone": "BusinessPhone", "mobile_phone": "MobilePhone"}
ADDRESS_LABEL = "Business"
#: syncore mailing field → exchangelib PhysicalAddress attribute
ADDRESS_PARTS = {
    "mailing_street": "street",
    "mailing_city": "city",
    "mailing_state": "state",
    "mailing_postal_code": "zipcode",
    "mailing_country": "country",
}
_SCALARS = {
    "first_name": "given_name",
    "last_name": "surname",
    "title": "job_title",
    "department": "department",
    "company": "company_name",
}


def _entry(entries: Any, label: str) -> Any:
    return next((e for e in entries or () if getattr(e, "label", None) == label), None)


def contact_from_item(item: Any) -> Contact:
    """Map an exchangelib ``Contact`` to a syncore Contact."""
    email = _entry(item.email_addresses, EMAIL_LABEL)
    address = _entry(item.physical_addresses, ADDRESS_LABEL)
    phones = {name: _entry(item.phone_numbers, label) for name, label in PHONE_LABELS.items()}
    values: dict[str, Any] = {name: text(getattr(item, attr)) for name, attr in _SCALARS.items()}
    values.update({name: text(getattr(phone, "phone_number", None)) for name, phone in phones.items()})
    values.update({name: text(getattr(address, attr, None)) for name, attr in ADDRESS_PARTS.items()})
    return Contact(
        email=text(getattr(email, "email", None)).strip(),
        birthday=plain_date(item.birthday),
        notes=body_from_item(item.body, getattr(item, "text_body", None)),
        **values,
    )


def display_name(contact: Contact) -> str:
    """EWS requires a display name: the full name, else the company, else the address."""
    name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
    return name or contact.company or contact.email or "(no name)"


def contact_fields(contact: Contact, fields: frozenset[str] | None = None) -> dict[str, Any]:
    """exchangelib values for ``fields`` (all when None); indexed fields as ``{label: value or None}``."""
    names = set(Contact.field_names()) if fields is None else set(fields)
    out: dict[str, Any] = {attr: getattr(contact, name) for name, attr in _SCALARS.items() if name in names}
    if fields is None or names & {"first_name", "last_name"}:
        out["display_name"] = display_name(contact)
    if "email" in names:
        out["email_addresses"] = {EMAIL_LABEL: contact.email or None}
    phones = {label: getattr(contact, name) or None for name, label in PHONE_LABELS.items() if name in names}
    if phones:
        out["phone_numbers"] = phones
    if names & set(ADDRESS_PARTS):
        # the whole Business entry: its parts are one EWS entry and are sent together
        parts = {attr: getattr(contact, name) or None for name, attr in ADDRESS_PARTS.items()}
        out["physical_addresses"] = {ADDRESS_LABEL: parts if any(parts.values()) else None}
    if "birthday" in names:
        out["birthday"] = contact.birthday
    if "notes" in names:
        out["body"] = body_value(contact.notes)
    return out
