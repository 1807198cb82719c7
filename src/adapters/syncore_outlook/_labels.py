"""Outlook items as a person knows them, for the reports of what cannot be synced (``Unsupported.label``)."""

from __future__ import annotations

from typing import Any

from syncore.models import Kind
from syncore.results import describe_item


def label_of(kind: Kind, item: Any) -> str:
    """An opened item: its subject (a contact: its name); a recurring one names itself so."""
    if kind is Kind.CONTACT:
        parts = (getattr(item, "FirstName", ""), getattr(item, "LastName", ""))
        name = " ".join(part for part in parts if part)
        return describe_item(kind, name or getattr(item, "FullName", "") or getattr(item, "CompanyName", "")
                             or "")
    recurring = bool(getattr(item, "IsRecurring", False))
    return describe_item(kind, str(getattr(item, "Subject", "") or ""), series=recurring)


def row_label(kind: Kind, subject: str) -> str:
    """A recurring item known from its table row (the scan reads its Subject column)."""
    return describe_item(kind, subject, series=True)
