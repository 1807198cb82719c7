"""``syncore demo``: a manual sync end to end against sample data, with nothing to set up.

:func:`build_demo_sides` produces the two sides. It starts the Salesforce and Exchange emulators on
127.0.0.1 and connects the real adapters when they are installed and offer a ``for_emulator(emulator)``
class method; otherwise it falls back to two in-memory sides (Outlook-like with formatted bodies, and
Salesforce-like with plain text). Either way both are seeded with the same sample week: meetings (one
all-day, one with a formatted body, one private), contacts and tasks, some of them already on both sides.

:class:`DemoFileAdapter` is an in-memory side saved to a JSON file after every write, so the CLI can be tried
(``plan`` in one process, ``apply`` in the next) without any server.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, ClassVar

import attrs

from ._converters import make_converter, structure_tagged, unstructure_tagged
from .abc import Adapter
from .engine import SyncEngine
from .errors import SafetyLimitExceeded
from .models import Body, Contact, Event, Kind, Record, Side, Task, TaskPriority
from .remote import CreateRequest
from .review import render_plan, review_plan
from .state import SqliteStateStore
from .testing.memory import MemoryAdapter, _Item
from .timezones import UTC, FoldPolicy, GapPolicy, local_to_utc

FORMATTED_AGENDA = (
    "<html><body><p><b>Agenda</b></p><ul><li>Pipeline by stage</li><li><i>Deals at risk</i></li>"
    "<li>Next steps</li></ul><p>Dial-in: <a href='https://meet.example.com/pipeline'>meet.example.com</a></p>"
    "</body></html>"
)


@attrs.frozen(kw_only=True)
class SampleData:
    """Records to seed: on the Outlook side only, on the Salesforce side only, and on both."""

    pim_only: tuple[Record, ...]
    crm_only: tuple[Record, ...]
    both: tuple[Record, ...]


def sample_data(today: date, zone_name: str = "UTC") -> SampleData:
    """A realistic working week starting on the Monday of ``today``'s week, in ``zone_name`` local time."""
    monday = today - timedelta(days=today.weekday())

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        wall = datetime.combine(monday + timedelta(days=day), time(hour, minute))
        return local_to_utc(wall, zone_name, on_gap=GapPolicy.SHIFT_FORWARD, on_fold=FoldPolicy.EARLIER)

    def meeting(subject: str, day: int, hour: int, minutes: int = 60, minute: int = 0, **extra: Any) -> Event:
        start = at(day, hour, minute)
        return Event(subject=subject, start=start, end=start + timedelta(minutes=minutes), **extra)

    pim_only = (
        meeting("Weekly pipeline review", 0, 9, 60, location="Room 4.12",
                body=Body(html=FORMATTED_AGENDA), attendees=("dana@example.com", "ada@example.com")),
        meeting("Lunch with Acme", 1, 12, 90, location="Trattoria Roma"),
        Event(subject="Quarterly planning offsite", start=monday + timedelta(days=2),
              end=monday + timedelta(days=3), location="Lakeside Hotel"),
        meeting("1:1 with Dana", 3, 15, 30),
        meeting("Dentist", 4, 8, 45, private=True),
        Contact(first_name="Dana", last_name="Scully", email="dana@example.com", company="Acme Corp",
                title="Head of Procurement", phone="+1 202 555 0143"),
        Contact(first_name="Grace", last_name="Hopper", email="grace@example.com", company="Initech"),
        Task(subject="Send proposal to Acme", due=monday + timedelta(days=2), priority=TaskPriority.HIGH),
    )
    crm_only = (
        meeting("Product demo for Globex", 3, 10, 60, location="Globex HQ"),
        meeting("Contract call - Initech", 4, 14, 30),
        Contact(first_name="Fox", last_name="Mulder", email="fox@globex.example", company="Globex",
                mobile_phone="+1 202 555 0199"),
        Task(subject="Follow up with Globex", due=monday + timedelta(days=4)),
    )
    both = (
        meeting("Team standup", 0, 10, 15),
        meeting("Board prep", 2, 16, 60, location="Boardroom"),
        Contact(first_name="Ada", last_name="Lovelace", email="ada@example.com", company="Analytical Engines"),
        Task(subject="Prepare QBR deck", due=monday + timedelta(days=3)),
    )
    return SampleData(pim_only=pim_only, crm_only=crm_only, both=both)


@attrs.define(kw_only=True)
class DemoSides:
    """The two demo backends, a line saying what they are, and how to shut them down."""

    pim: Adapter
    crm: Adapter
    description: str
    close: Callable[[], None] = lambda: None


def seed(adapter: Adapter, records: Sequence[Record]) -> None:
    """Create ``records`` on ``adapter`` through its ordinary batch interface."""
    for kind in Kind:
        batch = [CreateRequest(ref=str(n), record=r) for n, r in enumerate(records) if r.kind is kind]
        for outcome in adapter.create(kind, batch) if batch else []:
            if outcome.error is not None:
                raise outcome.error


def build_demo_sides(*, today: date | None = None, zone_name: str = "UTC", prefer_emulators: bool = True,
                     pim: str = "exchange") -> DemoSides:
    """The demo's PIM and CRM sides, seeded with :func:`sample_data`.

    :param prefer_emulators: try the emulators and real adapters first (falls back to memory sides)
    :param pim: the PIM emulator: "exchange" (EWS) or another one installed under the ``syncore.emulators``
        entry points ("graph")
    """
    data = sample_data(today or datetime.now(UTC).date(), zone_name)
    reason = "disabled"
    if prefer_emulators:
        try:
            sides = _emulator_sides(pim)
        except Exception as exc:  # noqa: BLE001 - any problem means: use the memory sides instead
            reason = f"{type(exc).__name__}: {exc}"
        else:
            try:
                seed(sides.pim, [*data.pim_only, *data.both])
                seed(sides.crm, [*data.crm_only, *data.both])
                return sides
            except Exception as exc:  # noqa: BLE001
                sides.close()
                reason = f"seeding the emulators failed: {type(exc).__name__}: {exc}"
    pim = MemoryAdapter(name="outlook", formatted_bodies=True)
    crm = MemoryAdapter(name="salesforce", formatted_bodies=False)
    seed(pim, [*data.pim_only, *data.both])
    seed(crm, [*data.crm_only, *data.both])
    return DemoSides(pim=pim, crm=crm,
                     description=f"in-memory sides (Outlook-like with formatted bodies, Salesforce-like plain text); "
                                 f"emulators not used: {reason}")


def _emulator_sides(pim_name: str = "exchange") -> DemoSides:
    if pim_name != "exchange":
        return _entry_point_sides(pim_name)
    from syncore_exchange import ExchangeAdapter  # type: ignore[attr-defined]
    from syncore_exchange.emulator import EwsEmulator
    from syncore_salesforce import SalesforceAdapter  # type: ignore[attr-defined]
    from syncore_salesforce.emulator import SalesforceEmulator

    for cls in (ExchangeAdapter, SalesforceAdapter):
        if not hasattr(cls, "for_emulator"):
            raise RuntimeError(f"{cls.__name__} has no for_emulator() hook")
    ews = EwsEmulator().start()
    salesforce = SalesforceEmulator().start()

    def close() -> None:
        ews.stop()
        salesforce.stop()

    try:
        pim = ExchangeAdapter.for_emulator(ews)
        crm = SalesforceAdapter.for_emulator(salesforce)
    except BaseException:
        close()
        raise
    return DemoSides(pim=pim, crm=crm, close=close,
                     description=f"Exchange emulator at {ews.url} and Salesforce emulator at {salesforce.url}, "
                                 "through the real adapters")


def _entry_point_sides(pim_name: str) -> DemoSides:
    """A PIM emulator found through the ``syncore.emulators`` entry points (the core imports no adapter), and the
    Salesforce emulator."""
    from importlib.metadata import entry_points

    from syncore_salesforce import SalesforceAdapter  # type: ignore[attr-defined]
    from syncore_salesforce.emulator import SalesforceEmulator

    found = [ep for ep in entry_points(group="syncore.emulators") if ep.name == pim_name]
    if not found:
        raise RuntimeError(f"no emulator named {pim_name!r} is installed")
    backend = found[0].load()()
    salesforce = SalesforceEmulator().start()

    def close() -> None:
        backend.close()
        salesforce.stop()

    try:
        pim = backend.adapter()
        crm = SalesforceAdapter.for_emulator(salesforce)
    except BaseException:
        close()
        raise
    return DemoSides(pim=pim, crm=crm, close=close,
                     description=f"{backend.description} and Salesforce emulator at {salesforce.url}, through the "
                                 "real adapters")


def run_demo(
    *,
    yes: bool = False,
    ask: Callable[[str], str] = input,
    show: Callable[[str], None] = print,
    state_path: str = ":memory:",
    prefer_emulators: bool = True,
    pim: str = "exchange",
) -> int:
    """The recommended first sync on sample data: plan, review each change, apply, show the summary.

    :param yes: include every change without asking (non-interactive)
    :returns: the exit code (0 when every kind synced)
    """
    from .config import Config
    from .schedule import system_zone_name

    sides = build_demo_sides(zone_name=_safe_zone(system_zone_name()), prefer_emulators=prefer_emulators, pim=pim)
    show(f"Backends: {sides.description}")
    engine = SyncEngine(pim=sides.pim, crm=sides.crm, state=SqliteStateStore(state_path),
                        settings=Config().sync_settings())
    code = 0
    try:
        for kind in Kind:
            plan = engine.plan(kind)
            show("")
            show(render_plan(plan))
            if not yes and not review_plan(plan, ask=ask, show=show):
                show(f"{kind.value} sync cancelled; nothing written")
                continue
            try:
                result = engine.apply(plan)
            except SafetyLimitExceeded as exc:
                show(f"{kind.value}: not applied: {exc}")
                code = max(code, 3)
                continue
            show("")
            show(result.summary.render())
            if not result.ok:
                code = max(code, 1)
        show("")
        show("Run it again and nothing is left to do: the sides agree. Now try it with your own accounts, "
             "see docs/adapters.md.")
    finally:
        sides.close()
        engine.state.close()
    return code


def _safe_zone(name: str) -> str:
    from .timezones import zone

    try:
        zone(name)
        return name
    except Exception:  # noqa: BLE001
        return "UTC"


# -- a file-backed memory side for trying the CLI ----------------------------------------------------------------
class DemoFileAdapter(MemoryAdapter):
    """An in-memory side saved to a JSON file after every write (for demos and CLI tests; not for real data).

    :param path: the JSON file; created (and seeded when ``seed`` is true) if missing
    :param side: ``"pim"`` (keeps formatted bodies) or ``"crm"`` (plain text), chooses the sample records
    :param seed: fill a new file with the demo's sample data
    """

    adapter_name: ClassVar[str] = "demo_file"

    def __init__(self, *, path: str, side: str = "pim", seed: bool = False, **kwargs: Any) -> None:
        side_enum = Side(side)
        super().__init__(name=side_enum.value, formatted_bodies=side_enum is Side.PIM, **kwargs)
        self.path = Path(path)
        self._converter = make_converter()
        if self.path.exists():
            self._load()
        elif seed:
            data = sample_data(datetime.now(UTC).date())
            records = [*(data.pim_only if side_enum is Side.PIM else data.crm_only), *data.both]
            for record in records:
                MemoryAdapter.put(self, record)
            self._save()

    def _save(self) -> None:
        import itertools

        counters = {}
        for attr in ("_ids", "_seq", "_versions"):
            value = next(getattr(self, attr))
            counters[attr] = value
            setattr(self, attr, itertools.count(value))
        data = {
            "epoch": self._epoch,
            "counters": counters,
            "stores": {
                kind.value: {
                    "items": {
                        native_id: {
                            "record": unstructure_tagged(item.record, self._converter),
                            "version": item.version,
                            "link": item.link,
                            "modified_at": self._converter.unstructure(item.modified_at),
                        }
                        for native_id, item in store.items.items()
                    },
                    "log": store.log,
                }
                for kind, store in self._stores.items()
            },
        }
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.path)

    def _load(self) -> None:
        import itertools

        data = json.loads(self.path.read_text(encoding="utf-8"))
        self._epoch = data["epoch"]
        for attr, value in data["counters"].items():
            setattr(self, attr, itertools.count(value))
        for kind_value, raw in data["stores"].items():
            store = self._stores[Kind(kind_value)]
            store.items = {
                native_id: _Item(structure_tagged(item["record"], self._converter), item["version"], item["link"],
                                 self._converter.structure(item["modified_at"], datetime))
                for native_id, item in raw["items"].items()
            }
            store.log = [tuple(entry) for entry in raw["log"]]  # type: ignore[misc]

    def create(self, kind, requests):  # type: ignore[no-untyped-def]
        """See :meth:`syncore.abc.Adapter.create`; the file is saved afterwards."""
        try:
            return super().create(kind, requests)
        finally:
            self._save()

    def update(self, kind, requests):  # type: ignore[no-untyped-def]
        """See :meth:`syncore.abc.Adapter.update`; the file is saved afterwards."""
        try:
            return super().update(kind, requests)
        finally:
            self._save()

    def delete(self, kind, requests):  # type: ignore[no-untyped-def]
        """See :meth:`syncore.abc.Adapter.delete`; the file is saved afterwards."""
        try:
            return super().delete(kind, requests)
        finally:
            self._save()

    def put(self, record: Record, *, link: str | None = None) -> str:
        """Create a record as a user would, and save."""
        native_id = super().put(record, link=link)
        self._save()
        return native_id

    def edit(self, native_id: str, **fields: Any) -> Record:
        """Edit a record as a user would, and save."""
        record = super().edit(native_id, **fields)
        self._save()
        return record

    def remove(self, native_id: str) -> None:
        """Delete a record as a user would, and save."""
        super().remove(native_id)
        self._save()
