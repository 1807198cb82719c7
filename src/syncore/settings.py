"""Engine settings: what syncs, in which direction, and how conflicts and deletions are handled."""

from __future__ import annotations

import enum
from datetime import timedelta
from typing import Any

import attrs

from .errors import ConfigurationError
from .models import Kind, Side

_BOTH_SIDES = frozenset({Side.PIM, Side.CRM})


class Direction(str, enum.Enum):
    """Which way changes flow for a kind."""

    BOTH = "both"
    PIM_TO_CRM = "pim_to_crm"
    CRM_TO_PIM = "crm_to_pim"

    def flows_to(self, target: Side) -> bool:
        """True when changes may be written to ``target``."""
        return self is Direction.BOTH or (self is Direction.PIM_TO_CRM) == (target is Side.CRM)


class ConflictPolicy(str, enum.Enum):
    """How a field changed differently on both sides is resolved."""

    PIM_WINS = "pim_wins"
    CRM_WINS = "crm_wins"
    #: the side whose record was modified last wins; a tie or a missing time leaves it for review
    NEWEST_WINS = "newest_wins"
    #: nothing is written for that field; the conflict is listed in the plan and kept until resolved
    MANUAL = "manual"


class UnfitSeries(str, enum.Enum):
    """What happens to a series the other side cannot hold as a rule (past its limits, see docs/recurrence.md)."""

    #: write the occurrences inside the sync window as single events tied to the series, so later edits follow
    EXPAND = "expand"
    #: leave it alone and report it
    SKIP = "skip"


def _sides(name: str) -> Any:
    def convert(value: Any) -> frozenset[Side]:
        try:
            if isinstance(value, str):
                raise TypeError
            return frozenset(Side(item) for item in value)
        except (ValueError, TypeError):
            raise ConfigurationError(
                f"{name}: expected a list of sides from 'pim', 'crm' (or empty), got {value!r}", key=name, value=value
            ) from None

    return convert


def _choice(name: str, enum_type: type[enum.Enum]) -> Any:
    def convert(value: Any) -> Any:
        try:
            return enum_type(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum_type)
            raise ConfigurationError(f"{name}: {value!r} is not one of: {allowed}", key=name, value=value) from None

    return convert


def _non_negative_days(instance: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(
            f"{attribute.name}: expected a whole number of days >= 0, got {value!r}", key=attribute.name, value=value
        )


def _positive_days(instance: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(
            f"{attribute.name}: expected a whole number of days >= 1, got {value!r}", key=attribute.name, value=value
        )


def _count(instance: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(
            f"{attribute.name}: expected a whole number >= 0, got {value!r}", key=attribute.name, value=value
        )


@attrs.frozen(kw_only=True)
class KindSettings:
    """Settings for one kind (the product's per-type "job").

    ``past_days`` / ``future_days`` bound which events and tasks are *newly* paired or created; records
    already paired keep syncing even when they move out of the range, so nothing is deleted for leaving it.
    """

    enabled: bool = True
    direction: Direction = attrs.field(default=Direction.BOTH, converter=_choice("direction", Direction))
    #: sides on which the engine may create, update or delete records
    create_on: frozenset[Side] = attrs.field(default=_BOTH_SIDES, converter=_sides("create_on"))
    update_on: frozenset[Side] = attrs.field(default=_BOTH_SIDES, converter=_sides("update_on"))
    delete_on: frozenset[Side] = attrs.field(default=_BOTH_SIDES, converter=_sides("delete_on"))
    past_days: int = attrs.field(default=30, validator=_non_negative_days)
    future_days: int = attrs.field(default=365, validator=_non_negative_days)
    include_private: bool = False
    #: only events and tasks that relate to at least one of the CRM's people (a Salesforce contact or lead
    #: among an event's attendees or a task's contacts) are created there; the others are reported as skipped
    require_match: bool = False

    def may(self, action: str, target: Side) -> bool:
        """True when ``action`` ("create", "update", "delete") may be written to ``target``."""
        allowed = {"create": self.create_on, "update": self.update_on, "delete": self.delete_on}[action]
        return self.direction.flows_to(target) and target in allowed


def _ratio(instance: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ConfigurationError(
            f"{attribute.name}: expected a number greater than 0 and at most 1, got {value!r}",
            key=attribute.name,
            value=value,
        )


#: Each kind's defaults: the one source for the library (SyncSettings) and the settings file (config.Jobs).
#: Deleting contacts in Salesforce is off, as in LinkPoint Connect: a contact removed from Outlook is often
#: just tidied away there, while the CRM keeps the customer.
DEFAULT_KIND_SETTINGS: dict[Kind, KindSettings] = {
    Kind.EVENT: KindSettings(),
    Kind.CONTACT: KindSettings(delete_on=frozenset({Side.PIM})),
    Kind.TASK: KindSettings(),
}


def _kinds(value: Any) -> dict[Kind, KindSettings]:
    merged = dict(DEFAULT_KIND_SETTINGS)
    for key, item in dict(value).items():
        try:
            kind = Kind(key)
        except ValueError:
            raise ConfigurationError(
                f"kinds: unknown kind {key!r}; expected one of event, contact, task", key="kinds", value=key
            ) from None
        merged[kind] = item
    return merged


@attrs.frozen(kw_only=True)
class SyncSettings:
    """Everything the engine needs to decide, per sync.

    :ivar profile: names one PIM/CRM account pair inside a state store
    :ivar preserve_formatted_bodies: keep a formatted Outlook body when Salesforce's plain copy changes
    :ivar max_delete_ratio: refuse a plan that deletes more than this share of a side's records…
    :ivar min_delete_count: …once it deletes more than this many (small syncs are never blocked)
    :ivar unfit_series: what happens to a recurring series the other side cannot hold as a rule
    """

    profile: str = "default"
    conflict_policy: ConflictPolicy = attrs.field(
        default=ConflictPolicy.MANUAL, converter=_choice("conflict_policy", ConflictPolicy)
    )
    preserve_formatted_bodies: bool = True
    max_delete_ratio: float = attrs.field(default=0.5, validator=_ratio)
    min_delete_count: int = attrs.field(default=5, validator=_count)
    unfit_series: UnfitSeries = attrs.field(default=UnfitSeries.EXPAND, converter=_choice("unfit_series", UnfitSeries))
    kinds: dict[Kind, KindSettings] = attrs.field(factory=dict, converter=_kinds)
    #: first retry of a failed record after this long, doubling per attempt up to ``retry_max``
    retry_base: timedelta = timedelta(minutes=5)
    retry_max: timedelta = timedelta(hours=24)
    history_days: int = attrs.field(default=30, validator=_positive_days)

    def for_kind(self, kind: Kind) -> KindSettings:
        """The settings of ``kind``."""
        return self.kinds[kind]
