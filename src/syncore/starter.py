"""``syncore init``: a starter settings file for the chosen backends, from flags or questions.

Options come from ``--set SIDE.NAME=VALUE`` (VALUE is read as a TOML value when it is one: ``true``, ``5``,
``["event"]``; else as text), or, interactively, from the questions each adapter's options class marks with
``metadata={"ask": "…"}``. Secrets are never asked for: only *where* each one lives (``--secret
SIDE.NAME=env:VARIABLE``), by default an environment variable ``SYNCORE_<SIDE>_<NAME>``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from .config import AdapterConfig, Adapters, AutoSync, Config, validate_config
from .errors import ConfigurationError
from .models import Side
from .registry import get_adapter_class

DEFAULT_TYPES = {Side.PIM: "exchange", Side.CRM: "salesforce"}

Ask = Callable[[str], str]


def toml_value(text: str) -> Any:
    """``text`` as a TOML value when it is one (``true``, ``5``, ``["event"]``, ``"x"``), else the text itself."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def parse_assignments(items: Sequence[str], what: str) -> dict[Side, dict[str, Any]]:
    """``["pim.email=me@example.com", …]`` → ``{Side.PIM: {"email": "me@example.com"}}``.

    :raises ConfigurationError: for an item not shaped ``SIDE.NAME=VALUE``
    """
    result: dict[Side, dict[str, Any]] = {side: {} for side in Side}
    for item in items:
        target, sep, value = item.partition("=")
        side_name, dot, name = target.partition(".")
        if not sep or not dot or not name or side_name not in ("pim", "crm"):
            raise ConfigurationError(f"--{what} {item!r}: expected SIDE.NAME=VALUE with SIDE pim or crm, e.g. "
                                     f"pim.email=me@example.com", key=what, value=item)
        result[Side(side_name)][name] = toml_value(value) if what == "set" else value
    return result


def default_secrets(side: Side, adapter_type: str, options: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Where the adapter's usual secrets (for these options) are looked for: ``env:SYNCORE_PIM_PASSWORD`` and
    so on."""
    cls = get_adapter_class(adapter_type)
    names = cls.starter_credentials_for(dict(options or {}))
    return {name: f"env:SYNCORE_{side.value.upper()}_{name.upper()}" for name in names}


def questions(adapter_type: str) -> list[tuple[str, str, Any]]:
    """The options ``syncore init`` asks for: (name, question, default or None)."""
    cls = get_adapter_class(adapter_type)
    if cls.options_type is None:
        return []
    asked = []
    for field in attrs.fields(cls.options_type):
        if "ask" in field.metadata:
            default = None if field.default is attrs.NOTHING else field.default
            asked.append((field.name, field.metadata["ask"], getattr(default, "value", default)))
    return asked


def side_options(side: Side, adapter_type: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """``given``, plus ``side`` for adapters that can play either side (``demo_file``)."""
    options = dict(given)
    cls = get_adapter_class(adapter_type)
    if cls.options_type is not None and "side" in attrs.fields_dict(cls.options_type) and "side" not in options:
        options["side"] = side.value
    return options


def starter_config(types: Mapping[Side, str], options: Mapping[Side, Mapping[str, Any]],
                   secrets: Mapping[Side, Mapping[str, str]], *, timezone: str = "system") -> Config:
    """A settings file with the two sides; each side's options are checked by its adapter.

    :raises ConfigurationError: naming the first bad option or setting
    """
    sides = {}
    for side in Side:
        adapter_type = types[side]
        cls = get_adapter_class(adapter_type)
        opts = side_options(side, adapter_type, options.get(side, {}))
        cls.parse_options(opts, key=f"adapters.{side.value}.options")
        creds = dict(secrets.get(side) or default_secrets(side, adapter_type, opts))
        cls.check_credential_names(creds, key=f"adapters.{side.value}.credentials")
        sides[side.value] = AdapterConfig(type=adapter_type, options=opts, credentials=creds)
    return validate_config(Config(adapters=Adapters(**sides), auto_sync=AutoSync(timezone=timezone)))


def interview(ask: Ask, show: Callable[[str], None], types: dict[Side, str | None],
              options: dict[Side, dict[str, Any]], secrets: dict[Side, dict[str, str]],
              available: Sequence[str]) -> None:
    """Fill in what the flags left open by asking (in place).

    :raises EOFError: when the input ends
    """
    for side in Side:
        if types.get(side) is None:
            default = DEFAULT_TYPES[side]
            answer = ask(f"{side.value.upper()} backend ({', '.join(available)}) [{default}]: ").strip()
            types[side] = answer or default
        adapter_type = types[side]
        assert adapter_type is not None
        for name, question, default in questions(adapter_type):
            if name in options[side]:
                continue
            suffix = f" [{default}]" if default is not None else ""
            answer = ask(f"{side.value}.{name}: {question}{suffix}: ").strip()
            if answer:
                options[side][name] = toml_value(answer) if answer[:1] in '[{"' or answer in ("true", "false") \
                    else answer
        if not secrets[side]:
            for name, reference in default_secrets(side, adapter_type, options[side]).items():
                answer = ask(f"{side.value} {name}: where is it kept? env:VARIABLE, file:PATH or "
                             f"keyring:SERVICE/USER [{reference}]: ").strip()
                secrets[side][name] = answer or reference
    show("")
