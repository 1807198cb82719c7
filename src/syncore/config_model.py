"""The settings file's classes: the product's settings dialog as attrs classes (tables and their defaults).

Reading, checking and writing them is :mod:`syncore.config`, which also re-exports every class here.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import attrs

from .models import Kind, Side
from .notify import Notifications, SummaryPolicy
from .settings import (
    DEFAULT_KIND_SETTINGS,
    ConflictPolicy,
    Direction,
    KindSettings,
    SyncSettings,
    UnfitSeries,
)

_BOTH = frozenset({Side.PIM, Side.CRM})


@attrs.frozen(kw_only=True)
class Window:
    """The daily time window for auto sync, in the user's local zone: ``start`` inclusive, ``end`` exclusive.

    ``end`` earlier than ``start`` means the window crosses midnight (``22:00``–``06:00``).
    """

    start: time
    end: time

    def contains(self, wall: time) -> bool:
        """True when the local wall time ``wall`` is inside the window."""
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end


@attrs.frozen(kw_only=True)
class Frequencies:
    """"Start background calendar / contact / task sync every …"."""

    event: timedelta = timedelta(minutes=15)
    contact: timedelta = timedelta(hours=1)
    task: timedelta = timedelta(minutes=30)

    def for_kind(self, kind: Kind) -> timedelta:
        """The frequency of ``kind``."""
        return getattr(self, Kind(kind).value)  # type: ignore[no-any-return]


@attrs.frozen(kw_only=True)
class AutoSync:
    """"Enable auto background synchronization", the frequencies and the daily window.

    :ivar timezone: ``"system"`` (the computer's zone) or an IANA name such as ``"Europe/Berlin"``
    :ivar window: None means all day
    """

    enabled: bool = False
    frequency: Frequencies = attrs.Factory(Frequencies)
    window: Window | None = None
    timezone: str = "system"


@attrs.frozen(kw_only=True)
class Job:
    """One kind's job: what syncs, which way, and what may be written where.

    Field defaults here are the event/task defaults; each kind's own defaults (contacts are never deleted in
    Salesforce unless asked) come from :data:`~syncore.settings.DEFAULT_KIND_SETTINGS`, also for a
    ``[jobs.<kind>]`` table that sets only some keys.

    :ivar background: "Include … records during background sync?"
    :ivar create_on: sides on which records may be created (likewise ``update_on``, ``delete_on``)
    """

    enabled: bool = True
    background: bool = True
    direction: Direction = Direction.BOTH
    create_on: frozenset[Side] = _BOTH
    update_on: frozenset[Side] = _BOTH
    delete_on: frozenset[Side] = _BOTH
    past_days: int = 30
    future_days: int = 365
    include_private: bool = False
    require_match: bool = False

    @classmethod
    def default_for(cls, kind: Kind) -> Job:
        """The job of ``kind`` as the library's :class:`~syncore.settings.SyncSettings` defaults it."""
        defaults = DEFAULT_KIND_SETTINGS[kind]
        return cls(**{field.name: getattr(defaults, field.name) for field in attrs.fields(KindSettings)})

    def kind_settings(self) -> KindSettings:
        """This job as the engine's :class:`~syncore.settings.KindSettings`."""
        return KindSettings(
            enabled=self.enabled, direction=self.direction, create_on=self.create_on, update_on=self.update_on,
            delete_on=self.delete_on, past_days=self.past_days, future_days=self.future_days,
            include_private=self.include_private, require_match=self.require_match,
        )


@attrs.frozen(kw_only=True)
class Jobs:
    """The three jobs, defaulted from :data:`~syncore.settings.DEFAULT_KIND_SETTINGS`."""

    event: Job = attrs.Factory(lambda: Job.default_for(Kind.EVENT))
    contact: Job = attrs.Factory(lambda: Job.default_for(Kind.CONTACT))
    task: Job = attrs.Factory(lambda: Job.default_for(Kind.TASK))

    def for_kind(self, kind: Kind) -> Job:
        """The job of ``kind``."""
        return getattr(self, Kind(kind).value)  # type: ignore[no-any-return]


def _engine_default(name: str) -> Any:
    # the library's own default, so the settings file and SyncSettings() cannot drift apart
    return attrs.fields_dict(SyncSettings)[name].default


@attrs.frozen(kw_only=True)
class Other:
    """The dialog's "Other" tab: formatted bodies, conflicts and the mass-delete guard.

    :ivar max_delete_ratio: hold a plan that deletes more than this share of a side's records…
    :ivar min_delete_count: …once it deletes more than this many
    """

    preserve_formatted_bodies: bool = _engine_default("preserve_formatted_bodies")
    conflict_policy: ConflictPolicy = _engine_default("conflict_policy")
    max_delete_ratio: float = _engine_default("max_delete_ratio")
    min_delete_count: int = _engine_default("min_delete_count")
    unfit_series: UnfitSeries = _engine_default("unfit_series")


@attrs.frozen(kw_only=True)
class AdapterConfig:
    """One side's backend: the registered adapter name, its non-secret options and credential references.

    :ivar credentials: argument name → ``"env:VARIABLE"``, ``"file:PATH"`` or ``"keyring:SERVICE/USERNAME"``
    """

    type: str
    options: dict[str, Any] = attrs.Factory(dict)
    credentials: dict[str, str] = attrs.Factory(dict)


@attrs.frozen(kw_only=True)
class Adapters:
    """The PIM (Outlook/Exchange) and CRM (Salesforce) backends; both are needed to sync."""

    pim: AdapterConfig | None = None
    crm: AdapterConfig | None = None


@attrs.frozen(kw_only=True)
class Config:
    """The whole settings file.

    :ivar state: the SQLite state file; a relative path is relative to the settings file
    :ivar review_dir: where background plans held for review are saved; relative like ``state``
    :ivar summary: when to display the synchronization summary after a background sync
    """

    profile: str = "default"
    state: str = "syncore-state.db"
    review_dir: str = "review"
    summary: SummaryPolicy = SummaryPolicy.WHEN_ERRORS
    auto_sync: AutoSync = attrs.Factory(AutoSync)
    jobs: Jobs = attrs.Factory(Jobs)
    notifications: Notifications = attrs.Factory(Notifications)
    other: Other = attrs.Factory(Other)
    adapters: Adapters = attrs.Factory(Adapters)

    def sync_settings(self) -> SyncSettings:
        """The engine settings this file describes."""
        return SyncSettings(
            profile=self.profile,
            conflict_policy=self.other.conflict_policy,
            preserve_formatted_bodies=self.other.preserve_formatted_bodies,
            max_delete_ratio=self.other.max_delete_ratio,
            min_delete_count=self.other.min_delete_count,
            unfit_series=self.other.unfit_series,
            kinds={kind: self.jobs.for_kind(kind).kind_settings() for kind in Kind},
        )

    def background_kinds(self) -> frozenset[Kind]:
        """Kinds that auto sync runs: enabled and included in background sync."""
        return frozenset(k for k in Kind if self.jobs.for_kind(k).enabled and self.jobs.for_kind(k).background)
