"""Where each series goes (:class:`SeriesPolicy`): as it is to a side that holds rules and can hold it, as its
window's occurrences (*expanded*, :mod:`.series`) to a side that holds occurrences only or cannot hold it under
``unfit_series = "expand"``, or nowhere (reported)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping

import attrs

from ..abc import Adapter
from ..models import SIDES, Event, Record, Side, Task
from ..remote import RecurrenceSupport
from ..series import Series, Window
from ..settings import UnfitSeries


class Route(enum.Enum):
    """How a record from one side reaches the other."""

    #: as it is (a single record, or a series the other side holds as a rule)
    AS_IS = "as_is"
    #: as the occurrences inside the window
    EXPAND = "expand"
    #: not at all: reported and left alone
    SKIP = "skip"


def is_series(record: Record) -> bool:
    """True for a recurring event."""
    return isinstance(record, Event) and record.recurrence is not None


@attrs.frozen(kw_only=True)
class SeriesPolicy:
    """What each side holds of series, and what happens to a series a side cannot hold (the settings)."""

    holds: Mapping[Side, RecurrenceSupport]
    task_series: Mapping[Side, bool]
    unfit: Mapping[Side, Callable[[Record], str | None]]
    names: Mapping[Side, str]
    unfit_series: UnfitSeries
    window: Window
    #: the sides that can cut a series before a date (``Capabilities.cuts_series``): a switch there keeps the rule
    #: copy's occurrences before the window as history instead of waiting
    cuts: Mapping[Side, bool] = attrs.field(factory=lambda: dict.fromkeys(SIDES, False))
    #: the sides a sync may create and delete records on (not read-only, allowed by the job): a switch to
    #: occurrences writes both there, and waits while it may not
    writable: Mapping[Side, bool] = attrs.field(factory=lambda: dict.fromkeys(SIDES, True))
    #: the sides that are read-only this sync (``Capabilities.read_only``, a state that ends, unlike a job that
    #: leaves a side out): a switch given up waits there until the side can be written again
    read_only: Mapping[Side, bool] = attrs.field(factory=lambda: dict.fromkeys(SIDES, False))

    @classmethod
    def of(cls, adapters: Mapping[Side, Adapter], unfit_series: UnfitSeries, window: Window,
           writable: Mapping[Side, bool] | None = None) -> SeriesPolicy:
        """The policy for these adapters and settings (``writable``: see the attribute; default every side;
        ``read_only`` is the adapters' own)."""
        return cls(holds={side: adapters[side].capabilities.recurrence for side in SIDES},
                   task_series={side: adapters[side].capabilities.task_recurrence for side in SIDES},
                   unfit={side: adapters[side].unfit_reason for side in SIDES},
                   names={side: side.value.upper() for side in SIDES}, unfit_series=unfit_series, window=window,
                   cuts={side: adapters[side].capabilities.cuts_series for side in SIDES},
                   writable=dict(writable) if writable is not None else dict.fromkeys(SIDES, True),
                   read_only={side: adapters[side].capabilities.read_only for side in SIDES})

    def route(self, record: Record, source: Side) -> tuple[Route, str]:
        """How ``record`` from ``source`` reaches the other side, and why when it does not go as it is."""
        target = source.other
        name = self.names[target]
        if isinstance(record, Task) and record.recurrence is not None:
            if not self.task_series[target]:
                # never flattened into one task: reported and left alone
                return Route.SKIP, f"a recurring task; the {name} side syncs no recurring tasks"
            reason = self.unfit[target](record)
            return (Route.SKIP, f"the {name} side cannot hold this recurring task: {reason}") if reason \
                else (Route.AS_IS, "")
        if not is_series(record):
            return Route.AS_IS, ""
        holds = self.holds[target]
        if holds is RecurrenceSupport.NONE:
            # today's behaviour for sides that have not learnt series: reported and left alone
            return Route.SKIP, f"a recurring series; the {name} side syncs no recurring series"
        if holds is RecurrenceSupport.OCCURRENCES:
            # the other side holds single events: the window's occurrences go
            return Route.EXPAND, f"the {name} side holds single occurrences"
        reason = self.unfit[target](record)
        if reason is None:
            return Route.AS_IS, ""
        if self.unfit_series is UnfitSeries.EXPAND:
            # past the other side's limits: its occurrences go, tied to the series, so later edits follow
            return Route.EXPAND, f"the {name} side cannot hold the rule ({reason})"
        return Route.SKIP, f"the {name} side cannot hold this series ({reason}); unfit_series = \"skip\""

    def in_window(self, record: Record) -> bool:
        """True when a series has an occurrence inside the window."""
        series = Series(record)  # type: ignore[arg-type]
        low, high = self.window.bounds(series.all_day)
        return next(series.starts(low, high), None) is not None
