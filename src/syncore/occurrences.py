"""Occurrence ids: how the engine names one occurrence of a series held by a side that holds rules.

When the other side holds occurrences only, each occurrence is paired on its own, and its partner on the rule side
is the series' occurrence with that original start: ``occurrence_id(series_id, original_start)``. Occurrences are
paired by series and original start, never by a backend's occurrence id (Salesforce gives a series' occurrences
new ids on a critical edit; Exchange and Outlook address them by position or local start).

A side that holds rules (:attr:`~syncore.remote.RecurrenceSupport.RULES`) takes ``update`` requests for such an
id (the occurrence's fields become an override of the series) and ``delete`` requests (the occurrence is
cancelled). It never has to read one: the engine reads the series and expands it. The version of an occurrence is
:func:`occurrence_version` of the occurrence as the side stores it.
"""

from __future__ import annotations

from datetime import date, datetime

from .recurrence import Key
from .snapshots import fingerprint
from .timezones import UTC

SEPARATOR = "#"
#: the prefix of the id a series gets on the side that holds its occurrences (no record there has it)
SERIES_PREFIX = "series:"


def occurrence_id(series_id: str, original_start: Key) -> str:
    """The id of the occurrence of ``series_id`` whose original start is ``original_start``."""
    if isinstance(original_start, datetime):
        stamp = original_start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    else:
        stamp = original_start.isoformat()
    return f"{series_id}{SEPARATOR}{stamp}"


def split_occurrence_id(value: str) -> tuple[str, Key] | None:
    """``(series id, original start)`` of an occurrence id, or None when ``value`` is not one."""
    series_id, sep, stamp = value.rpartition(SEPARATOR)
    if not sep or not series_id:
        return None
    try:
        if "T" in stamp:
            if not stamp.endswith("Z"):
                return None
            return series_id, datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        return series_id, date.fromisoformat(stamp)
    except ValueError:
        return None


def series_marker(series_id: str) -> str:
    """The id a series held by the other side gets on the side that holds its occurrences (in its pair)."""
    return f"{SERIES_PREFIX}{series_id}"


def marked_series(value: str) -> str | None:
    """The series id a :func:`series_marker` names, or None."""
    return value[len(SERIES_PREFIX):] if value.startswith(SERIES_PREFIX) else None


def occurrence_version(record: object) -> str:
    """The version of an occurrence: a digest of its content as the side stores it (it changes when the
    occurrence does, not when another occurrence of the series does)."""
    return "occ:" + fingerprint(record)  # type: ignore[arg-type]
