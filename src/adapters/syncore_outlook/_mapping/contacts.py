"""ContactItem ↔ :class:`~syncore.models.Contact`.

The mailing address maps to Outlook's *business* address fields (Outlook's ``MailingAddress*`` follow whichever
address the user marked as mailing, so writing them could land in the home address). Phone is the business
number. For Exchange ("EX") addresses ``Email1Address`` is an X.500 DN, so the SMTP address is read from
PidLidEmail1EmailAddress through ``PropertyAccessor`` (reference §2.2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syncore.models import Contact, Record

from .. import constants as C
from .._bodies import read_body, write_body
from .._time import OutlookClock

if TYPE_CHECKING:
    from .._protocol import ContactItem
from ..errors import is_com_error, scode_of

#: syncore field -> ContactItem text property
TEXT_FIELDS = {
    "first_name": "FirstName",
    "last_name": "LastName",
    "phone": "BusinessTelephoneNumber",
    "mobile_phone": "MobileTelephoneNumber",
    "title": "JobTitle",
    "department": "Department",
    "company": "CompanyName",
    "mailing_street": "BusinessAddressStreet",
    "mailing_city": "BusinessAddressCity",
    "mailing_state": "BusinessAddressState",
    "mailing_postal_code": "BusinessAddressPostalCode",
    "mailing_country": "BusinessAddressCountry",
}


def email_of(item: ContactItem) -> str:
    if (item.Email1AddressType or "").upper() != "EX":
        return item.Email1Address or ""
    try:
        return item.PropertyAccessor.GetProperty(C.PID_EMAIL1_SMTP) or ""
    except Exception as exc:
        if is_com_error(exc) and scode_of(exc) == C.MAPI_E_NOT_FOUND:
            return ""  # an Exchange address with no SMTP form (rare): nothing syncable
        raise


def read(item: ContactItem, clock: OutlookClock) -> Contact:
    """The contact a ContactItem holds."""
    values = {name: getattr(item, prop) or "" for name, prop in TEXT_FIELDS.items()}
    return Contact(
        **values,
        email=email_of(item),
        birthday=clock.read_date(item.Birthday),
        notes=read_body(item),
    )


def write(item: ContactItem, record: Record, fields: frozenset[str], clock: OutlookClock) -> list[str]:
    """Write the named ``fields`` of ``record``."""
    assert isinstance(record, Contact)
    for name, prop in TEXT_FIELDS.items():
        if name in fields:
            setattr(item, prop, getattr(record, name))
    if "email" in fields:
        item.Email1Address = record.email
    if "birthday" in fields:
        item.Birthday = clock.write_date(record.birthday)
    if "notes" in fields:
        write_body(item, record.notes)
    return []


def represent(record: Record, clock: OutlookClock) -> Record:
    """Every Contact field has an Outlook home; nothing is lost."""
    return record
