"""Contact <-> syncore Contact (reference §1.6).

* ``LastName`` is required. A record without one is written with a fallback last name, the company, else the
  local part of the email address, and a warning; with neither, it is rejected. :func:`represent` applies
  the same fallback, so the stored name is not mistaken for an edit.
* The company is the contact's Account: read as ``Account.Name``; written as ``AccountId`` by the adapter,
  which finds (or creates) the Account of that name (:mod:`.._accounts`), so the payload built here leaves it
  out.
* Field lengths come from the org's describe; too-long values are rejected per record, never truncated.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from syncore.errors import RecordRejected
from syncore.models import Contact, Kind, Record
from syncore.remote import RemoteRecord, Unsupported

from . import CONVERTER, Mapping, Payload, WriteContext, body, remote, text

FIELDS = {
    "first_name": "FirstName",
    "last_name": "LastName",
    "email": "Email",
    "phone": "Phone",
    "mobile_phone": "MobilePhone",
    "title": "Title",
    "department": "Department",
    "mailing_street": "MailingStreet",
    "mailing_city": "MailingCity",
    "mailing_state": "MailingState",
    "mailing_postal_code": "MailingPostalCode",
    "mailing_country": "MailingCountry",
}
SELECT = ("Id", *FIELDS.values(), "Birthdate", "Description", "IsDeleted", "SystemModstamp", "LastModifiedDate",
          "OwnerId", "AccountId", "Account.Name")


def fallback_last_name(record: Contact) -> str | None:
    """The last name written when the record has none: the company, else the email's local part."""
    if record.last_name.strip():
        return None
    if record.company.strip():
        return record.company.strip()
    if record.email:
        return record.email.split("@", 1)[0]
    return None


def from_sf(row: dict[str, Any]) -> RemoteRecord | Unsupported:
    """A wire row as a syncore Contact."""
    values = {name: text(row, sf_name) for name, sf_name in FIELDS.items()}
    account = row.get("Account")
    contact = Contact(
        **values,
        company=text(account, "Name") if isinstance(account, dict) else "",
        birthday=CONVERTER.structure(row["Birthdate"], date) if row.get("Birthdate") else None,
        notes=body(row),
    )
    return remote(row, contact)


def represent(record: Record) -> Record:
    """As Salesforce stores it: fallback last name, plain-text notes (the company is its Account's name)."""
    assert isinstance(record, Contact)
    changes: dict[str, Any] = {}
    if (name := fallback_last_name(record)) is not None:
        changes["last_name"] = name
    if record.company != record.company.strip():
        changes["company"] = record.company.strip()  # Account names are trimmed
    if record.notes.html is not None or record.notes.rtf is not None:
        changes["notes"] = record.notes.plain()
    return record.replace(**changes) if changes else record


def to_sf(record: Record, fields: frozenset[str] | None, ctx: WriteContext) -> Payload:
    """The payload writing ``fields`` (None: everything) of ``record``."""
    assert isinstance(record, Contact)
    wanted = set(Contact.field_names()) if fields is None else set(fields)
    payload: dict[str, Any] = {}
    warnings: list[str] = []
    for name, sf_name in FIELDS.items():
        if name in wanted:
            payload[sf_name] = getattr(record, name)
    if "last_name" in wanted and not record.last_name.strip():
        name = fallback_last_name(record)
        if name is None:
            raise RecordRejected(
                "Salesforce requires LastName and the contact has no last name, company or email to use instead",
                code="REQUIRED_FIELD_MISSING",
            )
        source = "company" if record.company.strip() else "email address"
        payload["LastName"] = name
        warnings.append(f"last name missing: stored {name!r} (from the {source}) as Salesforce requires LastName")
    if "birthday" in wanted:
        payload["Birthdate"] = CONVERTER.unstructure(record.birthday, date) if record.birthday else None
    if "notes" in wanted:
        payload["Description"] = record.notes.text
    return Payload(fields=payload, warnings=tuple(warnings))


MAPPING = Mapping(kind=Kind.CONTACT, sobject="Contact", select=SELECT, from_sf=from_sf, to_sf=to_sf,
                  represent=represent)
