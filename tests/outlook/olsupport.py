"""Helpers shared by the Outlook adapter tests (kept out of conftest so imports are unambiguous)."""

from __future__ import annotations

from syncore_outlook.fake import FakeOutlook


def gid(fake: FakeOutlook, entry_id: str) -> str:
    """The adapter's id for a fake item: the GlobalAppointmentID (hex) of an appointment, else the EntryID."""
    record = fake.record(entry_id)
    return record.global_object_id.hex().upper() if record.global_object_id else entry_id


def record_of(fake: FakeOutlook, native_id: str):
    """The fake's stored record for an adapter id (see :func:`gid`)."""
    for kind in ("calendar", "contacts", "tasks"):
        for entry_id in fake.entry_ids(kind):
            if gid(fake, entry_id) == native_id:
                return fake.record(entry_id)
    raise KeyError(native_id)
