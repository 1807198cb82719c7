"""The records syncore moves between sides: :class:`Contact`, :class:`Event`, :class:`Task`, and :class:`Body`.

Records are frozen, keyword-only attrs classes. Building one normalizes its values (timed datetimes to UTC,
``None`` strings to ``""``, attendees to a sorted tuple of lower-case addresses) and validates them; every bad
field is reported in one :class:`~syncore.errors.InvalidRecordError`, never just the first.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar

import attrs

from .bodies import html_is_formatted, html_to_text, normalize_text, rtf_is_formatted
from .errors import InvalidRecordError
from .timezones import to_utc


class Kind(str, enum.Enum):
    """The three kinds of record syncore syncs."""

    EVENT = "event"
    CONTACT = "contact"
    TASK = "task"

    @property
    def record_type(self) -> type[Record]:
        """The record class for this kind."""
        return _RECORD_TYPES[self]


class Side(str, enum.Enum):
    """The two sides of a sync: the personal information manager (Outlook, Exchange) and the CRM (Salesforce)."""

    PIM = "pim"
    CRM = "crm"

    @property
    def other(self) -> Side:
        """The opposite side."""
        return Side.CRM if self is Side.PIM else Side.PIM


#: both sides, PIM first (a tuple: iterating the enum itself is slow, and the engine does it per record)
SIDES: tuple[Side, Side] = (Side.PIM, Side.CRM)


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


def _body(value: Any) -> Body:
    if value is None:
        return Body()
    if isinstance(value, str):
        return Body(text=value)
    if not isinstance(value, Body):
        raise TypeError(f"expected a Body or text, got {type(value).__name__}")
    return value


@attrs.frozen(kw_only=True, eq=False)
class Body:
    """A record's free text: plain ``text`` plus, optionally, the formatted source it came from.

    Bodies compare and hash by their normalized plain text, so a formatted Outlook body equals its plain-text
    Salesforce copy when the words match. ``text`` is derived from ``html`` when only the HTML is given.
    """

    text: str = attrs.field(default="", converter=_text)
    #: the HTML source, when the backend keeps HTML
    html: str | None = None
    #: the RTF source (as text, RTF is 7-bit), when the backend keeps RTF
    rtf: str | None = None
    # ``normalized``, computed on first use: bodies are compared several times per merged record.
    _normalized: str | None = attrs.field(default=None, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not self.text and self.html:
            object.__setattr__(self, "text", html_to_text(self.html))

    @property
    def normalized(self) -> str:
        """The plain text used for comparison."""
        if self._normalized is None:
            object.__setattr__(self, "_normalized", normalize_text(self.text))
        return self._normalized  # type: ignore[return-value]

    @property
    def is_formatted(self) -> bool:
        """True when the body carries formatting beyond plain text (bold, links, colours, tables…)."""
        if self.html is not None:
            return html_is_formatted(self.html)
        if self.rtf is not None:
            return rtf_is_formatted(self.rtf)
        return False

    def plain(self) -> Body:
        """This body without its formatted source."""
        return Body(text=self.text)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Body):
            return NotImplemented
        return self.normalized == other.normalized

    def __hash__(self) -> int:
        return hash(self.normalized)

    def __bool__(self) -> bool:
        return bool(self.normalized)


def _validate(record: Record, names: Iterable[str] | None = None) -> None:
    """Raise one error listing every bad field of ``record`` (only ``names`` can be bad when given)."""
    problems = [
        (name, value.reason)
        for name in (_field_names(type(record)) if names is None else names)
        if isinstance(value := getattr(record, name), _Invalid)
    ]
    problems.extend(record._cross_field_problems(dict(problems)))
    if problems:
        raise InvalidRecordError(type(record).__name__, problems)


@functools.cache
def _field_names(cls: type[Record]) -> tuple[str, ...]:
    return tuple(field.name for field in attrs.fields(cls))


def _text_field() -> Any:
    return attrs.field(default="", converter=_collecting(_text))


@attrs.frozen(kw_only=True)
class Record:
    """Base class of the three record types. Subclasses set :attr:`kind`."""

    kind: ClassVar[Kind]

    def __attrs_post_init__(self) -> None:
        _validate(self)

    def _cross_field_problems(self, bad: dict[str, str]) -> list[tuple[str, str]]:
        return []

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The names of the record's data fields, in declaration order (the unit of field-level merge)."""
        return _field_names(cls)

    def values(self) -> dict[str, Any]:
        """The record's fields as a flat dict (no copying of nested values)."""
        return {name: getattr(self, name) for name in self.field_names()}

    def changed_fields(self, other: Record) -> frozenset[str]:
        """The names of fields whose values differ between this record and ``other`` of the same type."""
        return frozenset(name for name in self.field_names() if getattr(self, name) != getattr(other, name))

    def replace(self, **changes: Any) -> Record:
        """A copy with ``changes`` applied (validated like a new record).

        Only the changed fields go through their converters; the others are already converted (``attrs.evolve``
        would convert every field again, and merges call this once per record).
        """
        if not changes:
            return self
        cls = type(self)
        fields, names = _replace_plan(cls)
        if not changes.keys() <= names:
            raise TypeError(f"{cls.__name__} has no field(s) {', '.join(sorted(changes.keys() - names))}")
        new = object.__new__(cls)
        for name, converter in fields:
            if name in changes:
                value = changes[name]
                if converter is not None:
                    value = converter(value)
            else:
                value = getattr(self, name)
            object.__setattr__(new, name, value)
        _validate(new, changes)  # the unchanged fields were valid already
        return new


@functools.cache
def _replace_plan(cls: type[Record]) -> tuple[tuple[tuple[str, Callable[[Any], Any] | None], ...], frozenset[str]]:
    fields = tuple((field.name, field.converter) for field in attrs.fields(cls))
    return fields, frozenset(name for name, _ in fields)


@attrs.frozen(kw_only=True)
class Contact(Record):
    """A person: Outlook contact or Salesforce Contact."""

    kind: ClassVar[Kind] = Kind.CONTACT

    first_name: str = _text_field()
    last_name: str = _text_field()
    email: str = attrs.field(default="", converter=_collecting(_email))
    phone: str = _text_field()
    mobile_phone: str = _text_field()
    title: str = _text_field()
    department: str = _text_field()
    company: str = _text_field()
    mailing_street: str = _text_field()
    mailing_city: str = _text_field()
    mailing_state: str = _text_field()
    mailing_postal_code: str = _text_field()
    mailing_country: str = _text_field()
    birthday: date | None = attrs.field(default=None, converter=_collecting(_day))
    notes: Body = attrs.field(factory=Body, converter=_collecting(_body))


@attrs.frozen(kw_only=True)
class Event(Record):
    """A calendar event. All-day events have ``date`` start and end (end exclusive); timed ones UTC datetimes."""

    kind: ClassVar[Kind] = Kind.EVENT

    subject: str = _text_field()
    start: date | datetime = attrs.field(default=None, converter=_collecting(_day_or_instant))
    end: date | datetime = attrs.field(default=None, converter=_collecting(_day_or_instant))
    location: str = _text_field()
    body: Body = attrs.field(factory=Body, converter=_collecting(_body))
    show_as: ShowAs = attrs.field(default=ShowAs.BUSY, converter=_collecting(_enum(ShowAs)))
    private: bool = attrs.field(default=False, converter=_collecting(_flag))
    reminder_minutes: int | None = attrs.field(default=None, converter=_collecting(_minutes))
    attendees: tuple[str, ...] = attrs.field(default=(), converter=_collecting(_attendees))

    @property
    def all_day(self) -> bool:
        """True for an all-day event (start and end are dates)."""
        return not isinstance(self.start, datetime)

    def _cross_field_problems(self, bad: dict[str, str]) -> list[tuple[str, str]]:
        if "start" in bad or "end" in bad:
            return []
        if isinstance(self.start, datetime) != isinstance(self.end, datetime):
            return [("end", "start and end must both be dates (all-day) or both be datetimes (timed)")]
        if self.end < self.start:  # type: ignore[operator]
            return [("end", f"end {self.end.isoformat()} is before start {self.start.isoformat()}")]
        if self.all_day and self.end == self.start:
            return [("end", "an all-day event's end is exclusive and must be after its start")]
        return []


@attrs.frozen(kw_only=True)
class Task(Record):
    """A to-do item: Outlook task or Salesforce Task."""

    kind: ClassVar[Kind] = Kind.TASK

    subject: str = _text_field()
    due: date | None = attrs.field(default=None, converter=_collecting(_day))
    status: TaskStatus = attrs.field(default=TaskStatus.NOT_STARTED, converter=_collecting(_enum(TaskStatus)))
    priority: TaskPriority = attrs.field(default=TaskPriority.NORMAL, converter=_collecting(_enum(TaskPriority)))
    completed_at: datetime | None = attrs.field(default=None, converter=_collecting(_utc_instant))
    reminder_at: datetime | None = attrs.field(default=None, converter=_collecting(_utc_instant))
    body: Body = attrs.field(factory=Body, converter=_collecting(_body))
    private: bool = attrs.field(default=False, converter=_collecting(_flag))


_RECORD_TYPES: dict[Kind, type[Record]] = {Kind.EVENT: Event, Kind.CONTACT: Contact, Kind.TASK: Task}
