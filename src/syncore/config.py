"""The product's settings dialog as a validated TOML file.

:func:`load_config` reads a file with :mod:`tomllib`, :func:`save_config` writes one with ``tomli_w``, and a
cattrs converter from :func:`make_converter` structures the tables into :class:`Config`. Every bad value raises
one :class:`~syncore.errors.ConfigurationError` whose ``key`` is the dotted TOML key, whose ``value`` is the
value found, and whose message says what is allowed. :meth:`Config.sync_settings` turns the file into the
engine's :class:`~syncore.settings.SyncSettings`.

Credentials are never read from the file: ``[adapters.*.credentials]`` only names where each secret lives,
``"env:VARIABLE"``, ``"file:PATH"`` or ``"keyring:SERVICE/USERNAME"`` (see :mod:`syncore.credentials`).

Converter conventions (see :func:`make_converter`):

* durations are strings of whole units: ``"15m"``, ``"1h"``, ``"1h30m"``, ``"1d"``
* times of day are ``"HH:MM"`` strings (24-hour clock)
* enums are their plain values; sets of sides are lists such as ``["pim", "crm"]``
* a missing optional value (``auto_sync.window``) is left out of the file, since TOML has no null
"""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Mapping
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import attrs
import cattrs

from .converters import Invalid, make_settings_converter, structure_settings
from .credentials import REFERENCE_FORMS, check_reference
from .errors import ConfigurationError
from .models import Kind, Side
from .notify import Notifications, SummaryPolicy
from .settings import DEFAULT_KIND_SETTINGS, ConflictPolicy, Direction, KindSettings, SyncSettings, UnfitSeries
from .timezones import zone

MIN_FREQUENCY = timedelta(minutes=1)
MAX_FREQUENCY = timedelta(days=7)
_BOTH = frozenset({Side.PIM, Side.CRM})
#: option names that look like secrets; they belong in ``credentials`` as env:/file:/keyring: references
_SECRET_WORDS = ("password", "secret", "token", "api_key", "apikey", "private_key")


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


# -- leaf values ---------------------------------------------------------------------------------------------
_DURATION = re.compile(r"(\d+)\s*([dhm])")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_DURATION_ALLOWED = 'a duration such as "15m", "1h", "1h30m" or "1d", from 1 minute to 7 days'


def parse_duration(text: Any) -> timedelta:
    """Parse ``"15m"``, ``"1h30m"``, ``"2d"``… into a timedelta (whole minutes, 1 minute to 7 days)."""
    if not isinstance(text, str):
        raise Invalid(f"expected {_DURATION_ALLOWED}")
    compact = text.replace(" ", "").lower()
    parts = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact or len({u for _, u in parts}) != len(parts):
        raise Invalid(f"expected {_DURATION_ALLOWED}")
    value = sum((int(n) * _UNITS[u] for n, u in parts), timedelta())
    if not MIN_FREQUENCY <= value <= MAX_FREQUENCY:
        raise Invalid(f"expected {_DURATION_ALLOWED}")
    return value


def format_duration(value: timedelta) -> str:
    """The inverse of :func:`parse_duration` (``timedelta(minutes=90)`` → ``"1h30m"``)."""
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    text = "".join(f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (minutes, "m")) if n)
    return text or "0m"


def _time(value: Any, _: Any = None) -> time:
    allowed = 'a time of day "HH:MM" on the 24-hour clock, e.g. "08:00" or "17:30"'
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,2}:\d{2}", value):
        raise Invalid(f"expected {allowed}")
    hours, minutes = (int(part) for part in value.split(":"))
    if hours > 23 or minutes > 59:
        raise Invalid(f"expected {allowed}")
    return time(hours, minutes)


def _sides(value: Any, _: Any = None) -> frozenset[Side]:
    allowed = 'a list of sides: [], ["pim"], ["crm"] or ["pim", "crm"]'
    if not isinstance(value, list) or any(item not in ("pim", "crm") for item in value):
        raise Invalid(f"expected {allowed}")
    return frozenset(Side(item) for item in value)


def _window(value: Any, _: Any = None) -> Window:
    if not isinstance(value, Mapping) or set(value) != {"start", "end"}:
        raise Invalid('expected a table with start and end, e.g. { start = "08:00", end = "18:00" }')
    times = {}
    for name in ("start", "end"):
        try:
            times[name] = _time(value[name])
        except Invalid as exc:
            raise Invalid(str(exc), subkey=name) from None
    return Window(**times)


def _options(value: Any, _: Any = None) -> dict[str, Any]:
    # Any TOML value is allowed here (lists and tables too: kinds = ["event"], folders = { event = "CRM" });
    # the adapter's own options class checks names and types when the adapter is built.
    if not isinstance(value, Mapping):
        raise Invalid("expected a table of the adapter's options, e.g. { email = \"me@example.com\" }")
    return dict(value)


def _credentials(value: Any, _: Any = None) -> dict[str, str]:
    allowed = f"a table of names to {REFERENCE_FORMS} references (never the secret)"
    if not isinstance(value, Mapping):
        raise Invalid(f"expected {allowed}")
    return dict(value)


def make_converter() -> cattrs.Converter:
    """A new converter for settings files (conventions in the module docstring).

    It builds on :func:`syncore.converters.make_settings_converter`: unknown keys are refused, and structuring
    errors become one :class:`~syncore.errors.ConfigurationError` naming the key.
    """
    conv = make_settings_converter()
    conv.register_structure_hook(time, _time)
    conv.register_structure_hook(timedelta, lambda value, _: parse_duration(value))
    conv.register_structure_hook(Window, _window)
    # Generic aliases cannot go through singledispatch; match them by equality instead.
    for generic, hook in ((frozenset[Side], _sides), (dict[str, Any], _options), (dict[str, str], _credentials)):
        conv.register_structure_hook_func(lambda cls, generic=generic: cls == generic, hook)
    conv.register_unstructure_hook(time, lambda value: value.strftime("%H:%M"))
    conv.register_unstructure_hook(timedelta, format_duration)
    conv.register_unstructure_hook_func(lambda cls: cls == frozenset[Side] or cls is frozenset,
                                        lambda value: sorted(Side(v).value for v in value))
    return conv


# -- cross-field checks ----------------------------------------------------------------------------------------
def _check(condition: bool, key: str, value: Any, reason: str) -> None:
    if not condition:
        raise ConfigurationError(f"{key} = {value!r}: {reason}", key=key, value=value)


def validate_config(config: Config) -> Config:
    """Cross-field and range checks that the converter's per-value hooks cannot make.

    :raises ConfigurationError: naming the first bad key
    """
    _check(re.fullmatch(r"[A-Za-z0-9_.-]+", config.profile) is not None, "profile", config.profile,
           "expected letters, digits, '_', '-' or '.' (it names files and state rows)")
    window = config.auto_sync.window
    if window is not None:
        _check(window.start != window.end, "auto_sync.window", {"start": str(window.start)[:5], "end": str(window.end)[:5]},
               "start and end must differ (leave the window out to sync all day)")
    if config.auto_sync.timezone != "system":
        try:
            zone(config.auto_sync.timezone)
        except ConfigurationError:
            raise ConfigurationError(
                f"auto_sync.timezone = {config.auto_sync.timezone!r}: expected \"system\" or an IANA zone name "
                "such as \"Europe/Berlin\"", key="auto_sync.timezone", value=config.auto_sync.timezone,
            ) from None
    _check(not config.jobs.contact.require_match, "jobs.contact.require_match", True,
           "require_match applies to events and tasks (their attendees or contacts relate them to people), "
           "not contacts")
    ratio = config.other.max_delete_ratio
    _check(0 < ratio <= 1, "other.max_delete_ratio", ratio, "expected a number greater than 0 and at most 1")
    for side in ("pim", "crm"):
        adapter = getattr(config.adapters, side)
        if adapter is None:
            continue
        for name in adapter.options:
            lowered = name.lower()
            _check(not any(word in lowered for word in _SECRET_WORDS), f"adapters.{side}.options.{name}",
                   "<hidden>", "secrets never go in the settings file; name them under "
                   f"adapters.{side}.credentials as {REFERENCE_FORMS}")
        for name, reference in adapter.credentials.items():
            problem = check_reference(reference)
            _check(problem is None, f"adapters.{side}.credentials.{name}",
                   reference if isinstance(reference, str) and ":" in reference else "<hidden>", problem or "")
    return config


def _with_job_defaults(data: Mapping[str, Any], converter: cattrs.Converter) -> dict[str, Any]:
    """``data`` with each ``[jobs.<kind>]`` table completed from that kind's defaults (not the generic ones)."""
    data = dict(data)
    jobs = data.get("jobs")
    if isinstance(jobs, Mapping):
        jobs = dict(jobs)
        for kind in Kind:
            given = jobs.get(kind.value)
            if isinstance(given, Mapping):
                jobs[kind.value] = {**converter.unstructure(Job.default_for(kind)), **given}
        data["jobs"] = jobs
    return data


def structure_config(data: Mapping[str, Any]) -> Config:
    """Build and validate a :class:`Config` from parsed TOML.

    :raises ConfigurationError: for the first bad key, naming the key, the value and what is allowed
    """
    converter = make_converter()
    config = structure_settings(converter, _with_job_defaults(data, converter), Config)
    return validate_config(config)


def unstructure_config(config: Config) -> dict[str, Any]:
    """The TOML-ready dict of ``config`` (None values left out)."""
    return _drop_none(make_converter().unstructure(config))


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


def loads_config(text: str) -> Config:
    """Parse settings from TOML text.

    :raises ConfigurationError: for TOML syntax errors and every bad value
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"the settings file is not valid TOML: {exc}", key="<file>") from exc
    return structure_config(data)


def dumps_config(config: Config) -> str:
    """``config`` as TOML text (every setting written out, so the file documents itself)."""
    import tomli_w

    return tomli_w.dumps(unstructure_config(validate_config(config)))


def decode_settings(data: bytes, name: str = "the settings file") -> str:
    """The text of a settings file saved as UTF-8 (with or without a byte-order mark) or as UTF-16 with one.

    TOML files are UTF-8, but Windows Notepad saves "Unicode" as UTF-16 and older versions add a BOM to UTF-8;
    both are read rather than refused.

    :raises ConfigurationError: when the bytes are none of these
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"  # the BOM says which byte order
    elif data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ConfigurationError(
            f"{name} is not UTF-8 text (byte {exc.start + 1} cannot be read); save it as UTF-8",
            key="<file>") from None


def load_config(path: str | Path) -> Config:
    """Read and validate a settings file (UTF-8, or UTF-16 / UTF-8 with a byte-order mark).

    :raises ConfigurationError: when the file is missing, unreadable or has a bad value
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read settings file {str(path)!r}: {exc.strerror}", key="config",
                                 value=str(path)) from exc
    return loads_config(decode_settings(data, f"settings file {str(path)!r}"))


def save_config(config: Config, path: str | Path) -> None:
    """Validate ``config`` and write it to ``path`` as TOML."""
    Path(path).write_text(dumps_config(config), encoding="utf-8")
