"""Operations on the server's tables that the CLI and scripts share: set defaults, add profiles, read status."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from syncore.errors import ConfigurationError

from .db import ProfileRow, ServerDB
from .profiles import Secrets, profile_config


def set_defaults(db: ServerDB, defaults: Mapping[str, Any], secrets: Secrets) -> None:
    """Store the shared defaults after checking that every existing profile still validates with them.

    :raises ConfigurationError: naming the first profile (or the defaults alone) that no longer validates
    """
    profile_config(ProfileRow(profile="defaults-check", overrides={}, org=None, mailbox=None, enabled=True),
                   defaults, secrets)
    for row in db.profiles():
        profile_config(row, defaults, secrets)
    db.set_defaults(dict(defaults))


def add_profile(db: ServerDB, profile: str, overrides: Mapping[str, Any], secrets: Secrets, *,
                org: str | None = None, mailbox: str | None = None, enabled: bool = True,
                now: datetime | None = None, spread: timedelta = timedelta(minutes=1)) -> ProfileRow:
    """Validate ``overrides`` over the defaults (as a settings file is validated) and store the profile.

    A new profile is first due within ``spread`` from now (at random, so a bulk import does not start every
    profile in the same second).

    :raises ConfigurationError: naming the key, its value (never a secret) and what is allowed
    """
    if "profile" in overrides:
        raise ConfigurationError("profile: set by the profile's name, not in its settings", key="profile")
    row = ProfileRow(profile=profile, overrides=dict(overrides), org=org, mailbox=mailbox, enabled=enabled)
    profile_config(row, db.defaults(), secrets)
    start = (now or datetime.now(UTC)) + timedelta(seconds=random.uniform(0, spread.total_seconds()))  # noqa: S311
    db.put_profile(row, first_due=start)
    return row
