"""The records syncore moves between sides: :class:`Contact`, :class:`Event`, :class:`Task`, and :class:`Body`.

Records are frozen, keyword-only attrs classes. Building one normalizes its values (timed datetimes to UTC,
``None`` strings to ``""``, an event's attendees and a task's contacts to a sorted tuple of lower-case
addresses, a series' recurrence to its normal form) and validates them; every bad field is reported in one
:class:`~syncore.errors.InvalidRecordError`, never just the first. Recurring events and tasks carry a
:class:`~syncore.recurrence.Recurrence` or :class:`~syncore.recurrence.TaskRecurrence` (see
:mod:`syncore.recurrence`).
"""

from __future__ import annotations

import enum
import functools
import operator
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, ClassVar

import attrs

from . import series as _series
from ._values import (
    EMPTY_BODY,
    ShowAs,
    TaskPriority,
    TaskStatus,
    _attendees,
    _body,
    _collecting,
    _day,
    _day_or_instant,
    _email,
    _enum,
    _flag,
    _Invalid,
    _minutes,
    _text,
    _utc_instant,
)
from .bodies import Body
from .errors import InvalidRecordError
from .recurrence import Recurrence, TaskRecurrence

__all__ = ["CRM", "PIM", "SIDES", "Body", "Contact", "Event", "Kind", "Record", "ShowAs", "Side", "Task",
           "TaskPriority", "TaskStatus"]


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
        return CRM if self is PIM else PIM


#: both sides, PIM first (a tuple: iterating the enum itself is slow, and the engine does it per record)
SIDES: tuple[Side, Side] = (Side.PIM, Side.CRM)
#: the two sides as plain names, for the code that runs per record: on Python 3.11 every ``Side.PIM`` is looked up
#: through ``EnumType.__getattr__``'s slow path (about eight times a global name; 3.12 dropped that hook), and an
#: edits sync named a side several hundred times per changed record, 8 % of its instructions
PIM, CRM = SIDES


def _instance_of(value_type: type) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if value is not None and not isinstance(value, value_type):
            raise TypeError(f"expected a {value_type.__name__} or None, got {type(value).__name__}")
        return value

    return convert


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
        build = _REPLACERS.get((type(self), *changes))
        if build is None:
            build = _replacer(type(self), tuple(changes))
        return build(self, changes)


_Setter = Callable[[Any, Any], None]

#: Record.replace's code per (record type, changed names in the order given): straight-line code that copies each
#: field through its slot's setter, as attrs writes its own methods (a loop over the fields testing each name cost
#: twice as much; merges and adapters replace a record per changed record). Bounded: merges give changed fields in
#: declaration order, so a kind has few combinations, but a caller could make any number.
_REPLACERS: dict[tuple[Any, ...], Callable[[Any, dict[str, Any]], Record]] = {}


def _replacer(cls: type[Record], changed: tuple[str, ...]) -> Callable[[Any, dict[str, Any]], Record]:
    fields, names, _ = _replace_plan(cls)
    if not names.issuperset(changed):
        raise TypeError(f"{cls.__name__} has no field(s) {', '.join(sorted(set(changed) - names))}")
    env: dict[str, Any] = {"_new": object.__new__, "_cls": cls, "_validate": _validate, "_Invalid": _Invalid,
                           "_changed": changed}
    lines = ["def replace(self, changes):", "    new = _new(_cls)", "    bad = False"]
    for i, (name, converter, put) in enumerate(fields):
        env[f"_set{i}"] = put
        if name not in changed:
            lines.append(f"    _set{i}(new, self.{name})")
            continue
        env[f"_convert{i}"] = converter
        lines.append(f"    value = changes[{name!r}]" if converter is None else
                     f"    value = _convert{i}(changes[{name!r}])")
        lines += ["    if isinstance(value, _Invalid):", "        bad = True", f"    _set{i}(new, value)"]
    # the unchanged fields were valid already; a type without cross-field rules needs nothing more when the changed
    # fields converted cleanly (_validate would find nothing)
    crossed = cls._cross_field_problems is not Record._cross_field_problems
    lines += ["    _validate(new, _changed)"] if crossed else ["    if bad:", "        _validate(new, _changed)"]
    lines.append("    return new")
    exec(compile("\n".join(lines), f"<syncore {cls.__name__}.replace>", "exec"), env)  # noqa: S102
    if len(_REPLACERS) >= 512:
        _REPLACERS.clear()
    _REPLACERS[(cls, *changed)] = env["replace"]
    return env["replace"]  # type: ignore[no-any-return]


@functools.cache
def _replace_plan(
    cls: type[Record],
) -> tuple[tuple[tuple[str, Callable[[Any], Any] | None, _Setter], ...], frozenset[str], Callable[[Any], tuple[Any, ...]]]:
    """Per field: its name, its converter and its slot's setter; the names; all fields' values in one call."""
    fields = tuple((field.name, field.converter, slot_setter(cls, field.name)) for field in attrs.fields(cls))
    return fields, frozenset(name for name, _, _ in fields), all_values(cls)


def slot_setter(cls: type, name: str) -> _Setter:
    """What sets attribute ``name`` of a new instance of the frozen, slotted ``cls``: its slot's own setter
    (``object.__setattr__`` looks the slot up by name on every call; records are built field by field on every
    merge and every stored base read)."""
    return getattr(cls, name).__set__  # type: ignore[no-any-return]


@functools.cache
def all_values(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving all fields' values of a record of type ``cls`` at once, in declaration order."""
    names = _field_names(cls)
    if len(names) < 2:  # (attrgetter gives a tuple for two names or more)
        return lambda record: tuple(getattr(record, name) for name in names)
    return operator.attrgetter(*names)


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
    notes: Body = attrs.field(default=EMPTY_BODY, converter=_collecting(_body))


@attrs.frozen(kw_only=True)
class Event(Record):
    """A calendar event. All-day events have ``date`` start and end (end exclusive); timed ones UTC datetimes."""

    kind: ClassVar[Kind] = Kind.EVENT

    subject: str = _text_field()
    start: date | datetime = attrs.field(default=None, converter=_collecting(_day_or_instant))
    end: date | datetime = attrs.field(default=None, converter=_collecting(_day_or_instant))
    location: str = _text_field()
    body: Body = attrs.field(default=EMPTY_BODY, converter=_collecting(_body))
    show_as: ShowAs = attrs.field(default=ShowAs.BUSY, converter=_collecting(_enum(ShowAs)))
    private: bool = attrs.field(default=False, converter=_collecting(_flag))
    reminder_minutes: int | None = attrs.field(default=None, converter=_collecting(_minutes))
    attendees: tuple[str, ...] = attrs.field(default=(), converter=_collecting(_attendees))
    #: set for a recurring series: ``start``/``end`` are then its first occurrence
    recurrence: Recurrence | None = attrs.field(default=None, converter=_collecting(_instance_of(Recurrence)))

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
        if self.recurrence is None or "recurrence" in bad:
            return []
        found = _series.problems(self)
        if not found:
            # only a series that fits its start is brought to normal form (settling reads the keys)
            object.__setattr__(self, "recurrence", _series.settle(self))
        return found


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
    body: Body = attrs.field(default=EMPTY_BODY, converter=_collecting(_body))
    private: bool = attrs.field(default=False, converter=_collecting(_flag))
    #: the email addresses of the people the task is about (Outlook's linked contacts), normalized like an
    #: event's ``attendees``: sorted, lower-case, without repeats
    contacts: tuple[str, ...] = attrs.field(default=(), converter=_collecting(_attendees))
    #: set for a recurring task (``due`` is then the current occurrence's due date)
    recurrence: TaskRecurrence | None = attrs.field(default=None,
                                                    converter=_collecting(_instance_of(TaskRecurrence)))


_RECORD_TYPES: dict[Kind, type[Record]] = {Kind.EVENT: Event, Kind.CONTACT: Contact, Kind.TASK: Task}
