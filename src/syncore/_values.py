"""The values records are made of: enums, and the converters that normalize and check each field.

A converter wrapped in :func:`_collecting` leaves an :class:`_Invalid` placeholder instead of raising, so a
record (or a value such as a :class:`~syncore.recurrence.Recurrence`) can report every bad field at once.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import attrs

from .bodies import Body
from .timezones import to_utc


class ShowAs(str, enum.Enum):
    """How an event shows in free/busy."""

    BUSY = "busy"
    TENTATIVE = "tentative"
    FREE = "free"
    OUT_OF_OFFICE = "out_of_office"


class TaskStatus(str, enum.Enum):
    """Task progress, the union of Outlook's and Salesforce's default picklist."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WAITING = "waiting"
    DEFERRED = "deferred"


class TaskPriority(str, enum.Enum):
    """Task importance."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


@attrs.frozen
class _Invalid:
    """Placeholder a converter leaves instead of raising, so validation can collect every bad field."""

    value: Any
    reason: str


_T = TypeVar("_T")


def _collecting(convert: Callable[[Any], _T]) -> Callable[[Any], _T | _Invalid]:
    def wrapper(value: Any) -> _T | _Invalid:
        try:
            return convert(value)
        except (TypeError, ValueError) as exc:
            return _Invalid(value, str(exc))

    return wrapper


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected True or False, got {value!r}")
    return value


def _enum(enum_type: type[enum.Enum]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        try:
            return enum_type(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum_type)
            raise ValueError(f"{value!r} is not one of: {allowed}") from None

    return convert


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"expected a date (no time of day), got {value!r}")
    return value


def _utc_instant(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"expected an aware datetime, got {value!r}")
    return to_utc(value)


def _day_or_instant(value: Any) -> date | datetime:
    # An all-day event is made of dates and stays dates: no zone ever shifts it.
    if value is None:
        raise ValueError("required: a date (all-day) or an aware datetime")
    if isinstance(value, datetime):
        return to_utc(value)
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date (all-day) or an aware datetime, got {value!r}")


def _minutes(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number of minutes >= 0 or None, got {value!r}")
    return value


_WHITESPACE = re.compile(r"\s")


def _email(value: Any) -> str:
    text = _text(value).strip()
    if text and ("@" not in text or _WHITESPACE.search(text)):
        raise ValueError(f"{text!r} is not an email address")
    return text


def _attendees(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        raise TypeError("expected a list of email addresses, got a single string")
    addresses = {_email(item).lower() for item in value}
    addresses.discard("")
    return tuple(sorted(addresses))


#: the body of a record that has none, shared: bodies are immutable (a Body caches only its normalized text),
#: and one made per record was 7 MB of a 100k-contact load in each side that holds the records
EMPTY_BODY = Body()


def _body(value: Any) -> Body:
    if value is None or value == "":
        return EMPTY_BODY
    if isinstance(value, str):
        return Body(text=value)
    if not isinstance(value, Body):
        raise TypeError(f"expected a Body or text, got {type(value).__name__}")
    return value
