"""What every command of the command line works with: exit codes, the run (arguments, output, display)."""

from __future__ import annotations

import argparse
import logging
import shlex
from typing import TextIO

import attrs

from .context import Context, open_context
from .display import Display, side_labels
from .errors import ConfigurationError
from .models import Side
from .progress import Progress

EXIT_OK = 0
EXIT_RECORD_ERRORS = 1
EXIT_USAGE = 2
EXIT_HELD = 3
EXIT_LOCKED = 4
EXIT_BACKEND = 5
EXIT_STALE = 6
EXIT_STATE = 7
EXIT_INTERRUPTED = 130

#: every exit code the CLI uses, with its meaning
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success, or nothing was due",
    EXIT_RECORD_ERRORS: "the sync finished but some records failed (they are retried at the next sync)",
    EXIT_USAGE: "bad arguments or settings (the message names the key, the value and what is allowed), or no "
                "answer to a question (end of input: pass --yes)",
    EXIT_HELD: "held for review: the plan deletes too much or leaves conflicts; nothing was written",
    EXIT_LOCKED: "another sync of the same profile is running",
    EXIT_BACKEND: "a backend failed (connection, authentication, quota); the rest is retried later",
    EXIT_STALE: "the plan is stale: a sync ran after it was made; nothing was written, make a new plan",
    EXIT_STATE: "the state file cannot be read or written (damaged, not a state file, disk full)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}

log = logging.getLogger("syncore.cli")


@attrs.define
class Run:
    """One command run: its arguments, its output streams, and how to show times, sides and progress."""

    args: argparse.Namespace
    out: TextIO
    err: TextIO
    display: Display = attrs.field(factory=Display)
    progress: Progress | None = None

    def say(self, text: str = "") -> None:
        """Print a line of output (after ending any progress line)."""
        if self.progress is not None:
            self.progress.done()
        print(text, file=self.out, flush=True)

    def command(self, *words: str) -> str:
        """A ``syncore`` command line to suggest, with the ``--config`` this run was given."""
        config = getattr(self.args, "config", None)
        prefix = ["syncore", *(["--config", config] if config else [])]
        return shlex.join([*prefix, *words])

    def open(self) -> Context:
        """The settings and the engine; sides are wrapped to report reads on the progress line."""
        self.progress = Progress(self.err)
        ctx = open_context(getattr(self.args, "config", None), progress=self.progress)
        labels = side_labels(ctx.engine.pim, ctx.engine.crm)
        self.display = Display(labels=labels, zone=display_zone(self.args, ctx.config.auto_sync.timezone))
        if self.progress.enabled:
            ctx.engine.on_event = self.progress.on_event
        log.info("settings %s: profile %r, %s and %s", ctx.config_path, ctx.config.profile, labels[Side.PIM],
                 labels[Side.CRM])
        return ctx


def display_zone(args: argparse.Namespace, configured: str = "system") -> str:
    """The zone times are shown in: UTC with ``--utc``, else the settings' zone, else the computer's."""
    if getattr(args, "utc", False):
        return "UTC"
    from .schedule import system_zone_name
    from .timezones import zone

    name = system_zone_name() if configured == "system" else configured
    try:
        zone(name)
    except ConfigurationError:
        return "UTC"
    return name


