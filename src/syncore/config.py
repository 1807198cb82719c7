"""The product's settings dialog as a validated TOML file.

:func:`load_config` reads a file with :mod:`tomllib`, :func:`save_config` writes one with ``tomli_w``, and a
cattrs converter from :func:`make_converter` structures the tables into :class:`Config`. Every bad value raises
one :class:`~syncore.errors.ConfigurationError` whose ``key`` is the dotted TOML key, whose ``value`` is the
value found, and whose message says what is allowed. :meth:`Config.sync_settings` turns the file into the
engine's :class:`~syncore.settings.SyncSettings`.

Credentials are never read from the file: ``[adapters.*.credentials]`` only names where each secret lives,
``"env:VARIABLE"``, ``"file:PATH"`` or ``"keyring:SERVICE/USERNAME"`` (see :mod:`syncore.credentials`).

The classes (:class:`Config` and its tables) live in :mod:`syncore.config_model` and are re-exported here.

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

import cattrs

from .config_model import AdapterConfig, Adapters, AutoSync, Config, Frequencies, Job, Jobs, Other, Window
from .converters import Invalid, make_settings_converter, structure_settings
from .credentials import REFERENCE_FORMS, check_reference
from .errors import ConfigurationError
from .models import Kind, Side
from .timezones import zone

__all__ = [
    "MAX_FREQUENCY", "MIN_FREQUENCY", "AdapterConfig", "Adapters", "AutoSync", "Config", "Frequencies", "Job",
    "Jobs", "Other", "Window", "decode_settings", "dumps_config", "format_duration", "load_config", "loads_config",
    "make_converter", "parse_duration", "save_config", "structure_config", "unstructure_config", "validate_config",
]

MIN_FREQUENCY = timedelta(minutes=1)
MAX_FREQUENCY = timedelta(days=7)
#: option names that look like secrets; they belong in ``credentials`` as env:/file:/keyring: references
_SECRET_WORDS = ("password", "secret", "token", "api_key", "apikey", "private_key")


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
