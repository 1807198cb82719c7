"""Which writes of an event batch go to the series writer (a series, one of its occurrences, a series delete)
and which to the single-record path; the outcomes come back in the requests' order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from syncore.models import Event, Record
from syncore.occurrences import split_occurrence_id
from syncore.remote import DeleteRequest, WriteOutcome

from ._mapping.series import SERIES_VERSION


def split_writes(requests: Sequence[Any], goes_to_series: Callable[[Any], bool],
                 series: Callable[[list[Any]], list[WriteOutcome]],
                 rest: Callable[[list[Any]], list[WriteOutcome]]) -> list[WriteOutcome]:
    """Series requests to the series writer, the others to the single-record path; outcomes in order."""
    mine = [r for r in requests if goes_to_series(r)]
    others = [r for r in requests if not goes_to_series(r)]
    outcomes = {o.ref: o for o in series(mine)}
    if others:
        outcomes.update({o.ref: o for o in rest(others)})
    return [outcomes[r.ref] for r in requests]


def is_series(record: Record) -> bool:
    return isinstance(record, Event) and record.recurrence is not None


def names_series(native_id: str, record: Record) -> bool:
    """An update of a series, or of one occurrence of one (an occurrence id)."""
    return is_series(record) or split_occurrence_id(native_id) is not None


def deletes_series(request: DeleteRequest) -> bool:
    """A delete of one occurrence, or of a whole series (its version says so; without one, it is looked up)."""
    if split_occurrence_id(request.id) is not None:
        return True
    return request.base_version is None or request.base_version.startswith(SERIES_VERSION)
