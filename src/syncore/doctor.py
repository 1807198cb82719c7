"""``syncore doctor``: check the settings, credentials, connections, clocks and file permissions, and say how to
fix each problem found.

:func:`diagnose` returns :class:`Finding` objects; nothing is written anywhere. Each side is checked as far as it
can be: a missing secret stops that side's connection check, never the other side's.
"""

from __future__ import annotations

import enum
import os
import stat
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import attrs

from .abc import Adapter
from .config import AdapterConfig, Config
from .context import parse_side, read_settings, relative_to
from .credentials import resolve_credentials
from .errors import AdapterError, AuthenticationError, ConfigurationError, QuotaExhausted, SignInRequired
from .models import Side
from .timezones import UTC

#: server clocks further off than this are worth a warning…
SKEW_WARNING = timedelta(seconds=30)
#: …and further off than this a problem: the Salesforce change feed re-reads 5 minutes by default (overlap), and
#: a larger skew can hide changes made just before a sync
SKEW_PROBLEM = timedelta(minutes=5)


class Level(str, enum.Enum):
    """How bad a finding is."""

    OK = "ok"
    WARNING = "warning"
    PROBLEM = "problem"


class Area(str, enum.Enum):
    """What a finding is about; decides the exit code of ``syncore doctor``."""

    SETTINGS = "settings"
    CONNECTION = "connection"
    FILES = "files"


@attrs.frozen(kw_only=True)
class Finding:
    """One thing checked: what was found and, unless it is fine, how to fix it."""

    level: Level
    area: Area
    what: str
    fix: str = ""


def _ok(area: Area, what: str) -> Finding:
    return Finding(level=Level.OK, area=area, what=what)


def _problem(area: Area, what: str, fix: str) -> Finding:
    return Finding(level=Level.PROBLEM, area=area, what=what, fix=fix)


def diagnose(config_path: str | os.PathLike[str] | None, *,
             now: Callable[[], datetime] | None = None) -> list[Finding]:
    """Every check, in order: settings, each side (options, credentials, connection, clock), files."""
    clock = now or (lambda: datetime.now(UTC))
    try:
        config, path = read_settings(config_path)
    except ConfigurationError as exc:
        fix = ("write one with `syncore init`, or pass --config PATH" if exc.key == "config"
               else "correct the value in the settings file (`syncore docs settings` lists every key)")
        return [_problem(Area.SETTINGS, str(exc), fix)]
    findings = [_ok(Area.SETTINGS, f"settings {path}: profile {config.profile!r}")]
    base_dir = path.resolve().parent
    for side in Side:
        findings.extend(check_side(side, getattr(config.adapters, side.value), base_dir, clock))
    findings.extend(check_files(config, base_dir))
    return findings


def check_side(side: Side, adapter_config: AdapterConfig | None, base_dir: Path,
               clock: Callable[[], datetime]) -> Iterator[Finding]:
    """Options, credentials, connection and clock of one side."""
    key = f"adapters.{side.value}"
    try:
        cls, options = parse_side(side.value, adapter_config, base_dir)
    except ConfigurationError as exc:
        yield _problem(Area.SETTINGS, str(exc), _settings_fix(exc))
        return
    assert adapter_config is not None
    credentials: dict[str, str] = {}
    missing = False
    for name, reference in adapter_config.credentials.items():
        try:
            credentials.update(resolve_credentials({name: reference}, key_prefix=f"{key}.credentials",
                                                   base_dir=base_dir))
        except ConfigurationError as exc:
            missing = True
            yield _problem(Area.SETTINGS, str(exc), _credential_fix(reference))
    if adapter_config.credentials and not missing:
        yield _ok(Area.SETTINGS, f"{key}.credentials: {', '.join(sorted(adapter_config.credentials))} found")
    if missing:
        return
    label = f"{key} ({adapter_config.type})"
    try:
        adapter = cls.from_config(options, credentials)
    except ConfigurationError as exc:
        yield _problem(Area.SETTINGS, f"{label}: {exc}", _settings_fix(exc))
        return
    except AdapterError as exc:
        yield _problem(Area.CONNECTION, f"{label}: {exc}", _connection_fix(exc))
        return
    try:
        yield from check_connection(adapter, label, clock)
    finally:
        adapter.close()


def check_connection(adapter: Adapter, label: str, clock: Callable[[], datetime]) -> Iterator[Finding]:
    """One cheap call to the backend, and its clock against this computer's."""
    try:
        result = adapter.check_connection()
    except AdapterError as exc:
        yield _problem(Area.CONNECTION, f"{label}: {exc}", _connection_fix(exc))
        return
    yield _ok(Area.CONNECTION, f"{label}: {result.details}")
    if result.server_time is not None:
        finding = skew_finding(label, result.server_time, clock())
        if finding is not None:
            yield finding


def skew_finding(label: str, server_time: datetime, now: datetime) -> Finding | None:
    """A finding when this computer's clock differs from the server's by more than :data:`SKEW_WARNING`."""
    skew = now - server_time
    size = abs(skew)
    if size <= SKEW_WARNING:
        return _ok(Area.CONNECTION, f"{label}: clock in step with the server (within {SKEW_WARNING.seconds} s)")
    minutes, seconds = divmod(int(size.total_seconds()), 60)
    direction = "ahead of" if skew > timedelta(0) else "behind"
    what = f"{label}: this computer's clock is {minutes} min {seconds} s {direction} the server's"
    fix = ("turn on network time: Windows Settings > Time & language > Date & time > Sync now; macOS System "
           "Settings > General > Date & Time; Linux `timedatectl set-ntp true`")
    if size > SKEW_PROBLEM:
        return _problem(Area.CONNECTION, what + " (changes made just before a sync can be missed)", fix)
    return Finding(level=Level.WARNING, area=Area.CONNECTION, what=what, fix=fix)


def check_files(config: Config, base_dir: Path) -> Iterator[Finding]:
    """The state file and the review folder hold personal data: owner-only, or a finding."""
    state = relative_to(base_dir, config.state)
    yield from _owner_only(state, 0o600, "state file")
    review = relative_to(base_dir, config.review_dir)
    yield from _owner_only(review, 0o700, "review folder")
    if review.is_dir():
        for plan in sorted(review.glob("*.json")):
            yield from _owner_only(plan, 0o600, "held plan", quiet=True)


def _owner_only(path: Path, mode: int, what: str, *, quiet: bool = False) -> Iterator[Finding]:
    if not path.exists():
        if not quiet:
            yield _ok(Area.FILES, f"{what} {path}: not created yet (it will be owner-only)")
        return
    if os.name != "posix":
        return  # Windows: the user profile's ACLs apply; no mode bits to check
    actual = stat.S_IMODE(path.stat().st_mode)
    if actual & 0o077:
        yield _problem(Area.FILES, f"{what} {path} can be read by other users (mode {actual:04o})",
                       f"chmod {mode:o} {path}")
    elif not quiet:
        yield _ok(Area.FILES, f"{what} {path}: owner-only ({actual:04o})")


def _settings_fix(exc: ConfigurationError) -> str:
    if "not installed" in str(exc) or "not available" in str(exc):
        return "install what the message names"
    return "correct it in the settings file (`syncore docs settings`, and the adapter's page: `syncore docs adapters`)"


def _credential_fix(reference: str) -> str:
    scheme, _, rest = str(reference).partition(":")
    if scheme == "env":
        return f"set the environment variable {rest} (e.g. `export {rest}=…`), or reference a file: \"file:PATH\""
    if scheme == "file":
        return "create the file with only the secret in it, owner-only (chmod 600)"
    if scheme == "keyring":
        return "store the secret with `keyring set SERVICE USERNAME` (pip install keyring), or use env: / file:"
    return 'reference the secret as "env:VARIABLE", "file:PATH" or "keyring:SERVICE/USERNAME"'


def _connection_fix(exc: AdapterError) -> str:
    if isinstance(exc, SignInRequired):
        return "sign in once with `syncore sign-in` (with the same --config); later runs use the kept sign-in"
    if isinstance(exc, AuthenticationError):
        return "the server refused the credentials: check the user name, password or token (and, for Salesforce, " \
               "the security token; `syncore docs adapters`)"
    if isinstance(exc, QuotaExhausted):
        return "the API allocation is used up; wait for it to reset (24 hours) or lower max_api_share"
    return "check the server address in the settings, the network and any proxy; then run `syncore doctor` again"


def exit_code(findings: list[Finding]) -> int:
    """0 when nothing is a problem; 2 for settings and file problems; 5 when only connections fail."""
    problems = [f for f in findings if f.level is Level.PROBLEM]
    if not problems:
        return 0
    return 5 if all(f.area is Area.CONNECTION for f in problems) else 2


def render(findings: list[Finding]) -> str:
    """The findings, one per line, each problem or warning followed by its fix."""
    lines = []
    for finding in findings:
        lines.append(f"{finding.level.value:<8} {finding.what}")
        if finding.fix and finding.level is not Level.OK:
            lines.append(f"{'':<8} fix: {finding.fix}")
    return "\n".join(lines)
