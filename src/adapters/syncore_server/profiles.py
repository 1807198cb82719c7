"""A profile's settings: the shared defaults with the user's overrides on top, validated like a settings file.

Both layers are settings-file tables (the keys of docs/settings.md) stored as JSON. Credentials are references
only (``env:``, ``keyring:``, ``file:`` or the scheme of a registered :class:`~syncore.abc.SecretsProvider`);
anything else is refused before it reaches the database, so no secret is ever stored there.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Mapping
from typing import Any

import attrs

from syncore.abc import Adapter, SecretsProvider
from syncore.config import Config, structure_config
from syncore.credentials import check_reference, resolve_credentials
from syncore.errors import ConfigurationError
from syncore.registry import get_adapter_class

from .db import ProfileRow


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``, table by table (a value in ``over`` replaces; tables merge)."""
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_provider(spec: str) -> SecretsProvider:
    """Instantiate ``"package.module:ClassName"`` (a :class:`~syncore.abc.SecretsProvider` with no arguments)."""
    module_name, _, attr = spec.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigurationError(f"secrets provider {spec!r} cannot be imported: {exc}", key="secrets_provider",
                                 value=spec) from None
    provider = cls()
    if not isinstance(provider, SecretsProvider):
        raise ConfigurationError(f"secrets provider {spec!r} is not a syncore.abc.SecretsProvider",
                                 key="secrets_provider", value=spec)
    return provider


@attrs.frozen
class Secrets:
    """Resolves credential references: registered providers by scheme, the core's forms otherwise."""

    providers: Mapping[str, SecretsProvider] = attrs.field(factory=dict)

    def problem(self, reference: Any) -> str | None:
        """What is wrong with ``reference``, or None."""
        if isinstance(reference, str) and reference.partition(":")[0] in self.providers:
            return None if reference.partition(":")[2] else "the secret's path is missing after the scheme"
        problem = check_reference(reference)
        if problem is not None and self.providers:
            schemes = ", ".join(f'"{scheme}:PATH"' for scheme in sorted(self.providers))
            problem = f"{problem}, or {schemes}"
        return problem

    def resolve(self, references: Mapping[str, str], *, key_prefix: str) -> dict[str, str]:
        """The secrets ``references`` name (errors name the reference, never a secret)."""
        resolved: dict[str, str] = {}
        core: dict[str, str] = {}
        for name, reference in references.items():
            scheme, _, path = reference.partition(":")
            if scheme in self.providers:
                resolved[name] = self.providers[scheme].get_secret(path)
            else:
                core[name] = reference
        resolved.update(resolve_credentials(core, key_prefix=key_prefix))
        return resolved


def profile_config(row: ProfileRow, defaults: Mapping[str, Any], secrets: Secrets) -> Config:
    """The validated settings of ``row``: defaults, then overrides, then the profile name.

    :raises ConfigurationError: naming the key (with the profile) and what is allowed
    """
    merged = merge(defaults, row.overrides)
    merged["profile"] = row.profile
    references: dict[str, dict[str, str]] = {}
    adapters = merged.get("adapters")
    if isinstance(adapters, dict):
        for side, table in adapters.items():
            if isinstance(table, dict) and "credentials" in table:
                refs = table.pop("credentials")
                key = f"adapters.{side}.credentials"
                if not isinstance(refs, Mapping):
                    raise ConfigurationError(f"profile {row.profile!r}: {key}: expected a table of names to "
                                             "secret references", key=key, value="<hidden>")
                for name, reference in refs.items():
                    problem = secrets.problem(reference)
                    if problem is not None:
                        shown = reference if isinstance(reference, str) and ":" in reference else "<hidden>"
                        raise ConfigurationError(f"profile {row.profile!r}: {key}.{name} = {shown!r}: {problem}",
                                                 key=f"{key}.{name}", value=shown)
                references[side] = dict(refs)
    try:
        config = structure_config(merged)
    except ConfigurationError as exc:
        raise ConfigurationError(f"profile {row.profile!r}: {exc}", key=exc.key, value=exc.value) from None
    sides = {side: attrs.evolve(getattr(config.adapters, side), credentials=refs)
             for side, refs in references.items() if getattr(config.adapters, side, None) is not None}
    return attrs.evolve(config, adapters=attrs.evolve(config.adapters, **sides)) if sides else config


def build_adapter(config: Config, side: str, secrets: Secrets, **extra: Any) -> Adapter:
    """Instantiate one side's adapter (``from_config(options, credentials)`` when the class has it)."""
    adapter_config = getattr(config.adapters, side)
    key = f"adapters.{side}"
    if adapter_config is None:
        raise ConfigurationError(f"profile {config.profile!r}: {key} is missing", key=key)
    cls = get_adapter_class(adapter_config.type)
    credentials = secrets.resolve(adapter_config.credentials, key_prefix=f"{key}.credentials")
    options = {**adapter_config.options, **extra}
    try:
        if hasattr(cls, "from_config"):
            return cls.from_config(options, credentials)  # type: ignore[attr-defined,no-any-return]
        return cls(**options, **credentials)
    except TypeError as exc:
        raise ConfigurationError(f"profile {config.profile!r}: {key}.options: the {adapter_config.type} adapter "
                                 f"refused them: {exc}", key=f"{key}.options") from exc


def budget_keys(row: ProfileRow, config: Config) -> tuple[str | None, str | None]:
    """The Salesforce org and the mailbox this profile's syncs count against.

    Set on the profile (``--org``, ``--mailbox``), or read from the adapters' options: the CRM's ``org_id`` or
    ``instance_url`` or ``domain``, the PIM's ``email`` or ``primary_smtp_address`` or ``username``.
    """
    org, mailbox = row.org, row.mailbox
    crm, pim = config.adapters.crm, config.adapters.pim
    if org is None and crm is not None and crm.type == "salesforce":
        org = next((str(crm.options[k]) for k in ("org_id", "instance_url", "domain") if k in crm.options), None)
    if mailbox is None and pim is not None:
        mailbox = next((str(pim.options[k]) for k in ("email", "primary_smtp_address", "username")
                        if k in pim.options), None)
    return org, mailbox
