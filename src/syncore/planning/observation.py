"""What one sync of one kind knows before it decides anything (:class:`Observation`, built by
:class:`~syncore.planning.observe.Observer`)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..models import Kind, Side
from ..remote import RemoteRecord
from ..state_types import Pair
from .decisions import Skip
from .recovery import Recovered
from .series import SeriesRead


@attrs.frozen(kw_only=True)
class Observation:
    """What this sync read, for the decide step (nothing in it changes once built).

    :ivar current: records read this sync (changed, fetched, link targets), per side and id
    :ivar echoes: feed records whose version is the stored one (our own writes echoed back); None for one the
        feed listed without reading it
    :ivar deleted: ids the feeds reported deleted, or that a full scan and a fetch confirmed gone
    :ivar forced: ids looked at whatever their version says (due retries, and both records of their pairs)
    :ivar pairs: the stored pairs this sync looks at
    :ivar recovered: copies interrupted creates left behind
    :ivar unpaired: records no pair holds (recovered sources and copies excluded)
    :ivar tombstoned: unpaired ids deleted on purpose earlier (never copied back)
    :ivar skips: records left alone while reading (unsupported, ignored, malformed links)
    :ivar unconfirmed: our creates on a net-change side that this sync accounted for (the feed showed them,
        or a lookup did)
    :ivar series: the series expanded into their occurrences this sync (their occurrences are in ``current``)
    :ivar zones: the zone of each series whose occurrences this sync looks at, by series id (messages name an
        occurrence by its series' subject and its start on that zone's wall clock)
    """

    kind: Kind
    current: Mapping[Side, Mapping[str, RemoteRecord]]
    echoes: Mapping[Side, Mapping[str, RemoteRecord | None]]
    deleted: Mapping[Side, frozenset[str]]
    forced: Mapping[Side, frozenset[str]]
    due: frozenset[tuple[Side, str]]
    pairs: tuple[Pair, ...]
    recovered: tuple[Recovered, ...]
    unpaired: Mapping[Side, Mapping[str, RemoteRecord]]
    tombstoned: Mapping[Side, frozenset[str]]
    skips: tuple[Skip, ...]
    cursors: Mapping[Side, str | None]
    complete: Mapping[Side, bool]
    totals: Mapping[Side, int]
    warnings: tuple[str, ...]
    open_intents: tuple[str, ...]
    unconfirmed: Mapping[Side, frozenset[str]]
    series: tuple[SeriesRead, ...] = ()
    zones: Mapping[str, str] = attrs.field(factory=dict)

    def item(self, side: Side, native_id: str) -> RemoteRecord | None:
        """The record this sync knows for ``native_id`` (changed, fetched or set aside as unchanged)."""
        return self.current[side].get(native_id) or self.echoes[side].get(native_id)
