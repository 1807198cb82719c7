"""The settings file: round trips, the engine settings it describes, and every validation error."""

from __future__ import annotations

import sys
from datetime import time, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncore import ConflictPolicy, Direction, Kind, Side
from syncore.config import (
    AdapterConfig,
    Adapters,
    AutoSync,
    Config,
    Frequencies,
    Job,
    Jobs,
    Other,
    Window,
    dumps_config,
    format_duration,
    load_config,
    loads_config,
    parse_duration,
    save_config,
)
from syncore.credentials import resolve_credentials
from syncore.errors import ConfigurationError
from syncore.notify import Notifications, SummaryPolicy

minutes = st.integers(1, 7 * 24 * 60).map(lambda m: timedelta(minutes=m))
clock_times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
side_sets = st.sets(st.sampled_from(list(Side))).map(frozenset)
jobs = st.builds(Job, enabled=st.booleans(), background=st.booleans(), direction=st.sampled_from(list(Direction)),
                 create_on=side_sets, update_on=side_sets, delete_on=side_sets, past_days=st.integers(0, 3650),
                 future_days=st.integers(0, 3650), include_private=st.booleans(), require_match=st.booleans())
contact_jobs = jobs.map(lambda job: attrs.evolve(job, require_match=False))  # events and tasks only
names = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
    lambda n: not any(w in n for w in ("password", "secret", "token", "apikey", "api_key", "private_key")))
adapters = st.builds(
    AdapterConfig, type=names,
    options=st.dictionaries(names, st.one_of(st.booleans(), st.integers(-5, 5000), names), max_size=3),
    credentials=st.dictionaries(names, names.map(lambda n: f"env:{n.upper()}"), max_size=2),
)
configs = st.builds(
    Config,
    profile=names,
    summary=st.sampled_from(list(SummaryPolicy)),
    auto_sync=st.builds(
        AutoSync, enabled=st.booleans(),
        frequency=st.builds(Frequencies, event=minutes, contact=minutes, task=minutes),
        window=st.one_of(st.none(), st.tuples(clock_times, clock_times).filter(lambda p: p[0] != p[1]).map(
            lambda p: Window(start=p[0], end=p[1]))),
        timezone=st.sampled_from(["system", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]),
    ),
    jobs=st.builds(Jobs, event=jobs, contact=contact_jobs, task=jobs),
    notifications=st.builds(Notifications, started=st.booleans(), completed=st.booleans(), created=st.booleans(),
                            updated=st.booleans(), deleted=st.booleans(), conflict=st.booleans(), error=st.booleans()),
    other=st.builds(Other, preserve_formatted_bodies=st.booleans(), conflict_policy=st.sampled_from(list(ConflictPolicy)),
                    max_delete_ratio=st.floats(0.01, 1.0), min_delete_count=st.integers(0, 1000)),
    adapters=st.builds(Adapters, pim=st.one_of(st.none(), adapters), crm=st.one_of(st.none(), adapters)),
)


@settings(max_examples=60, deadline=None)
@given(configs)
def test_any_valid_config_round_trips_through_toml(config):
    assert loads_config(dumps_config(config)) == config


def test_an_empty_file_is_the_default_settings():
    assert loads_config("") == Config()


def test_save_then_load(tmp_path):
    config = Config(auto_sync=AutoSync(enabled=True, window=Window(start=time(22, 0), end=time(6, 0))))
    save_config(config, tmp_path / "syncore.toml")
    assert load_config(tmp_path / "syncore.toml") == config


def test_the_file_structures_into_engine_settings():
    config = loads_config("""
        profile = "work"
        [jobs.task]
        enabled = false
        [jobs.event]
        direction = "crm_to_pim"
        delete_on = []
        past_days = 7
        include_private = true
        require_match = true
        [other]
        preserve_formatted_bodies = false
        conflict_policy = "crm_wins"
        max_delete_ratio = 0.25
        min_delete_count = 20
    """)
    engine_settings = config.sync_settings()
    assert engine_settings.profile == "work"
    assert engine_settings.conflict_policy is ConflictPolicy.CRM_WINS
    assert engine_settings.preserve_formatted_bodies is False
    assert (engine_settings.max_delete_ratio, engine_settings.min_delete_count) == (0.25, 20)
    event = engine_settings.for_kind(Kind.EVENT)
    assert event.direction is Direction.CRM_TO_PIM and event.delete_on == frozenset()
    assert event.past_days == 7 and event.include_private and event.require_match
    assert not engine_settings.for_kind(Kind.TASK).require_match
    assert engine_settings.for_kind(Kind.TASK).enabled is False
    assert config.background_kinds() == {Kind.EVENT, Kind.CONTACT}


def test_contact_deletion_in_salesforce_is_off_by_default():
    contact = Config().sync_settings().for_kind(Kind.CONTACT)
    assert not contact.may("delete", Side.CRM) and contact.may("delete", Side.PIM)


@pytest.mark.parametrize("text,value", [("15m", 15), ("1h", 60), ("1h30m", 90), ("2d", 2880), ("1d 2h", 1560)])
def test_durations(text, value):
    assert parse_duration(text) == timedelta(minutes=value)
    assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)


# (TOML text, the dotted key named, the value named, words that must appear as what is allowed)
BAD = [
    ("auto_sync = 5", "auto_sync", 5, ["table"]),
    ("[auto_sync]\nenabled = 1", "auto_sync.enabled", 1, ["true", "false"]),
    ("[auto_sync]\nenabled = \"yes\"", "auto_sync.enabled", "yes", ["true", "false"]),
    ('[auto_sync.frequency]\nevent = "7x"', "auto_sync.frequency.event", "7x", ["15m", "1h"]),
    ('[auto_sync.frequency]\ncontact = 15', "auto_sync.frequency.contact", 15, ["15m"]),
    ('[auto_sync.frequency]\ntask = "30s"', "auto_sync.frequency.task", "30s", ["1 minute"]),
    ('[auto_sync.frequency]\ntask = "8d"', "auto_sync.frequency.task", "8d", ["7 days"]),
    ('[auto_sync.frequency]\nnotes = "1h"', "auto_sync.frequency.notes", "1h", ["event", "contact", "task"]),
    ('[auto_sync]\nwindow = { start = "25:00", end = "06:00" }', "auto_sync.window.start", "25:00", ["HH:MM"]),
    ('[auto_sync]\nwindow = { start = "08:00", end = "8pm" }', "auto_sync.window.end", "8pm", ["HH:MM"]),
    ('[auto_sync]\nwindow = "08:00-18:00"', "auto_sync.window", "08:00-18:00", ["start", "end"]),
    ('[auto_sync]\nwindow = { start = "08:00", end = "08:00" }', "auto_sync.window",
     {"start": "08:00", "end": "08:00"}, ["differ"]),
    ('[auto_sync]\ntimezone = "Mars/Olympus"', "auto_sync.timezone", "Mars/Olympus", ["system", "IANA"]),
    ('[auto_sync]\nbogus = 1', "auto_sync.bogus", 1, ["enabled", "frequency", "window", "timezone"]),
    ('[jobs.event]\ndirection = "sideways"', "jobs.event.direction", "sideways", ["both", "pim_to_crm", "crm_to_pim"]),
    ('[jobs.contact]\ncreate_on = ["outlook"]', "jobs.contact.create_on", ["outlook"], ['"pim"', '"crm"']),
    ('[jobs.task]\ndelete_on = "pim"', "jobs.task.delete_on", "pim", ['"pim"', '"crm"']),
    ('[jobs.task]\npast_days = -3', "jobs.task.past_days", -3, [">= 0"]),
    ('[jobs.event]\nfuture_days = 1.5', "jobs.event.future_days", 1.5, ["whole number"]),
    ('[jobs.event]\ninclude_private = "no"', "jobs.event.include_private", "no", ["true", "false"]),
    ('[jobs.event]\nrequire_match = "yes"', "jobs.event.require_match", "yes", ["true", "false"]),
    ('[jobs.contact]\nrequire_match = true', "jobs.contact.require_match", True, ["events and tasks"]),
    ('[jobs.note]\nenabled = true', "jobs.note", {"enabled": True}, ["event", "contact", "task"]),
    ('[notifications]\nerror = "on"', "notifications.error", "on", ["true", "false"]),
    ('[notifications]\nwarning = true', "notifications.warning", True, ["started", "completed", "conflict", "error"]),
    ('summary = "sometimes"', "summary", "sometimes", ["always", "when_changes", "when_errors", "never"]),
    ('profile = ""', "profile", "", ["non-empty"]),
    ('profile = "../work"', "profile", "../work", ["letters", "digits"]),
    ('[other]\nconflict_policy = "coin_flip"', "other.conflict_policy", "coin_flip",
     ["pim_wins", "crm_wins", "newest_wins", "manual"]),
    ('[other]\nmax_delete_ratio = 0', "other.max_delete_ratio", 0.0, ["greater than 0", "at most 1"]),
    ('[other]\nmax_delete_ratio = 1.5', "other.max_delete_ratio", 1.5, ["greater than 0", "at most 1"]),
    ('[other]\nmin_delete_count = true', "other.min_delete_count", True, ["whole number"]),
    ('[other]\npreserve_formatted_bodies = 0', "other.preserve_formatted_bodies", 0, ["true", "false"]),
    ('[adapters.crm]\noptions = {}', "adapters.crm.type", None, ["missing"]),
    ('[adapters.crm]\ntype = 3', "adapters.crm.type", 3, ["string"]),
    ('[adapters.crm]\ntype = "salesforce"\noptions = "domain=login"', "adapters.crm.options",
     "domain=login", ["table"]),
    ('[adapters.crm]\ntype = "salesforce"\noptions = { password = "hunter2" }', "adapters.crm.options.password",
     "<hidden>", ["credentials", "env:", "keyring:"]),
    ('[adapters.pim]\ntype = "exchange"\ncredentials = { password = "hunter2" }', "adapters.pim.credentials.password",
     "<hidden>", ["env:", "keyring:"]),
    ('[adapters.pim]\ntype = "exchange"\ncredentials = { password = "keyring:svc" }',
     "adapters.pim.credentials.password", "keyring:svc", ["keyring:SERVICE/USERNAME"]),
    ('[adapters]\nerp = { type = "sap" }', "adapters.erp", {"type": "sap"}, ["pim", "crm"]),
    ("profile = [", "<file>", None, ["TOML"]),
]


@pytest.mark.parametrize("text,key,value,allowed", BAD, ids=[case[1] + ":" + repr(case[2])[:20] for case in BAD])
def test_every_bad_value_names_key_value_and_what_is_allowed(text, key, value, allowed):
    with pytest.raises(ConfigurationError) as caught:
        loads_config(text)
    error = caught.value
    assert error.key == key
    message = str(error)
    if key != "<file>":
        assert error.value == value
        assert key in message
        assert value is None or repr(value) in message  # None: the key is missing altogether
    for word in allowed:
        assert word in message
    assert "hunter2" not in message


def test_adapter_options_may_be_lists_and_tables():
    # docs/outlook.md: the adapter's own options class checks them when the adapter is built
    config = loads_config('[adapters.pim]\ntype = "outlook"\n'
                          'options = { kinds = ["event", "task"], folders = { event = "CRM" } }\n')
    assert config.adapters.pim.options == {"kinds": ["event", "task"], "folders": {"event": "CRM"}}


SETTINGS = '# Notepad\n[auto_sync]\nenabled = true\ntimezone = "Europe/Zürich"\n'


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-8"])
def test_settings_saved_by_notepad_are_read(tmp_path, encoding):
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}.get(encoding, "")  # "utf-16" writes its own BOM
    path = tmp_path / "syncore.toml"
    path.write_bytes((bom + SETTINGS.replace("Zürich", "Berlin")).encode(encoding))
    assert load_config(path).auto_sync.enabled is True


def test_a_file_in_another_encoding_names_the_fix(tmp_path):
    path = tmp_path / "syncore.toml"
    path.write_bytes(SETTINGS.encode("latin-1"))
    with pytest.raises(ConfigurationError) as caught:
        load_config(path)
    assert "UTF-8" in str(caught.value) and "syncore.toml" in str(caught.value)


def test_a_missing_file_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        load_config(tmp_path / "nope.toml")
    assert caught.value.key == "config"


def test_credentials_come_from_the_environment():
    found = resolve_credentials({"password": "env:SF_PASSWORD"}, environ={"SF_PASSWORD": "s3cret"})
    assert found == {"password": "s3cret"}
    with pytest.raises(ConfigurationError) as caught:
        resolve_credentials({"password": "env:SF_PASSWORD"}, environ={})
    assert "SF_PASSWORD" in str(caught.value)


def test_credentials_come_from_owner_only_files(tmp_path):
    secret = tmp_path / "secrets" / "sf-password"
    secret.parent.mkdir()
    secret.write_text("s3cret\n", encoding="utf-8")
    secret.chmod(0o600)
    # relative to the settings file's folder; the trailing newline an editor adds is not part of the secret
    assert resolve_credentials({"password": "file:secrets/sf-password"}, base_dir=tmp_path) == {"password": "s3cret"}
    secret.chmod(0o640)
    with pytest.raises(ConfigurationError) as caught:
        resolve_credentials({"password": "file:secrets/sf-password"}, base_dir=tmp_path)
    assert "chmod 600" in str(caught.value) and "s3cret" not in str(caught.value)
    with pytest.raises(ConfigurationError) as caught:
        resolve_credentials({"password": "file:secrets/missing"}, base_dir=tmp_path)
    assert "secrets/missing" in str(caught.value)


def test_keyring_references_need_the_keyring_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "keyring", None)  # makes ``import keyring`` fail
    with pytest.raises(ConfigurationError) as caught:
        resolve_credentials({"token": "keyring:syncore/me@example.com"}, environ={})
    assert "pip install keyring" in str(caught.value)


def test_keyring_lookup(monkeypatch):
    class FakeKeyring:
        @staticmethod
        def get_password(service, username):
            return {"syncore": {"me": "tok"}}.get(service, {}).get(username)

    monkeypatch.setitem(sys.modules, "keyring", FakeKeyring)
    assert resolve_credentials({"token": "keyring:syncore/me"}, environ={}) == {"token": "tok"}
    with pytest.raises(ConfigurationError):
        resolve_credentials({"token": "keyring:syncore/you"}, environ={})


def _toml_blocks(name: str) -> list[str]:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / name).read_text(encoding="utf-8")
    return [block.split("```", 1)[0] for block in text.split("```toml\n")[1:]]


def test_the_documented_example_files_are_valid():
    complete = loads_config(_toml_blocks("settings.md")[0])
    assert attrs_evolve_without_adapters(complete) == Config()  # the example shows the defaults
    for name in ("scheduling.md", "adapters.md"):
        for block in _toml_blocks(name):
            loads_config(block)


def attrs_evolve_without_adapters(config: Config) -> Config:
    import attrs

    return attrs.evolve(config, adapters=Adapters())
