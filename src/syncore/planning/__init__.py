"""Planning one sync of one kind: observe → decide → emit. Writes nothing.

* :mod:`.observe` reads both sides and the state store into one immutable :class:`~.observe.Observation`
  (feeds, echoes of our own writes, due retries, confirmed deletions, link targets, and the copies interrupted
  creates left, found by :mod:`.recovery`);
* :mod:`.decide` walks it as one decision table and yields small typed decisions (:mod:`.decisions`);
* :mod:`.screen` turns the creates a job's ``require_match`` holds back from the CRM into skips;
* :mod:`.emit` turns the decisions into the plan's operations, pair plans, conflicts and skips;
* :mod:`.safety` flags plans that delete too much or follow a side that looks emptied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import attrs

from .._ids import new_id
from ..abc import Adapter, StateStore
from ..models import Kind, Side
from ..plan import Plan
from ..results import SyncEvent
from ..series import Window
from ..settings import SyncSettings
from .decide import decide
from .emit import PlanWriter
from .observe import Observer
from .rules import Rules
from .safety import check_safety
from .screen import screen
from .series import SeriesPolicy

__all__ = ["PlanWriter", "Rules", "build_plan", "rules_for"]


def rules_for(kind: Kind, adapters: Mapping[Side, Adapter], settings: SyncSettings, now: datetime) -> Rules:
    """The decision rules of ``kind`` for these adapters: a read-only side is never written, whatever the job."""
    job = settings.for_kind(kind)
    read_only = frozenset(side for side, adapter in adapters.items() if adapter.capabilities.read_only)
    job = attrs.evolve(job, create_on=job.create_on - read_only, update_on=job.update_on - read_only,
                       delete_on=job.delete_on - read_only)
    return Rules(
        profile=settings.profile, kind=kind, job=job, policy=settings.conflict_policy,
        preserve_formatted_bodies=settings.preserve_formatted_bodies,
        pim_keeps_formatting=adapters[Side.PIM].capabilities.formatted_bodies,
        represent={side: adapter.represent for side, adapter in adapters.items()}, today=now.date(),
        series=SeriesPolicy.of(adapters, settings.unfit_series,
                               Window.around(now.date(), job.past_days, job.future_days),
                               writable={side: side in job.create_on and side in job.delete_on for side in adapters}),
        write_only={side: adapter.capabilities.write_only_fields for side, adapter in adapters.items()},
        lossy_empty={side: adapter.capabilities.lossy_empty_fields for side, adapter in adapters.items()},
        read_only={side: adapter.capabilities.read_only_fields for side, adapter in adapters.items()},
    )


def build_plan(
    *, kind: Kind, adapters: Mapping[Side, Adapter], state: StateStore, settings: SyncSettings, now: datetime,
    emit: Callable[[SyncEvent], None], heartbeat: Callable[[], None] = lambda: None,
) -> Plan:
    """Read both sides and return what a sync of ``kind`` would do."""
    profile = settings.profile
    plan = Plan(plan_id=new_id(), profile=profile, kind=kind, created_at=now,
                from_generation=state.generation(profile, kind))
    rules = rules_for(kind, adapters, settings, now)
    view = Observer(kind=kind, profile=profile, adapters=adapters, state=state,
                    preserve_formatted_bodies=settings.preserve_formatted_bodies, heartbeat=heartbeat,
                    series=rules.series, past_days=rules.job.past_days,
                    future_days=rules.job.future_days, edited=rules.edited_fields,
                    merge=rules.merge).observe(state.pending(profile, kind), now)
    writer = PlanWriter(plan, rules, emit, view.zones)
    for decision in screen(decide(view, rules), adapters[Side.CRM], rules):
        writer.add(decision)
    plan.cursors = dict(view.cursors)
    plan.totals = dict(view.totals)
    plan.warnings.extend(view.warnings)
    plan.intents_done.extend(view.open_intents)
    plan.confirmed.extend((side, native_id) for side, ids in view.unconfirmed.items() for native_id in sorted(ids))
    plan.safety.extend(check_safety(plan, view, state, settings))
    return plan
