"""The documentation runs: every shell command and Python snippet in README.md and docs/*.md is executed.

Each block runs on its own, in a fresh folder, against freshly started emulators (the documented switch: the
folder's ``syncore.toml``, also reachable as ``syncore-emulators.toml``, is what ``syncore emulators`` writes,
pointing at the Exchange and Salesforce emulators on 127.0.0.1, seeded with the demo's sample week; for the
blocks of docs/graph.md the Microsoft Graph emulator plays the Outlook side, as ``syncore emulators --pim
graph`` serves it). The live-test variables a page documents (``EWS_*``, ``GRAPH_*``,
``SF_SESSION_ID``/``SF_INSTANCE_URL``) point at the same emulators, and the checkout's ``tests``, ``examples``
and ``bench`` folders are linked in, so a command written for a checkout runs as written.

Two things are checked rather than run, and say so here:

* ``pip install …`` lines: installing would change the environment the tests run in. A stand-in ``pip`` on the
  PATH accepts exactly what works for syncore, which is not on a package index: ``.`` or ``".[extra]"`` (a
  checkout), a wheel file ``dist/syncore-*.whl[extra]``, or a package one of pyproject.toml's extras lists.
* TOML blocks: each is loaded as a settings file, and each side's adapter options are checked by the adapter.

A block that cannot run here says why on the line before it, ``<!-- docs-test: skip: REASON -->``, with one of
the reasons in :data:`SKIP_REASONS`; anything else fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

from syncore.config import load_config, loads_config
from syncore.context import parse_side
from syncore.emulated import running_backends, write_emulator_settings
from syncore.models import Side
from syncore.testing.demo_data import sample_data, seed
from syncore.timezones import UTC

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SKIP_REASONS = {
    "windows": "needs Windows with Outlook desktop (pywin32, COM)",
    "quick-start": "the Quick start: tests/test_readme.py checks it is exactly what CI runs (.ci/run)",
    "minutes": "runs for minutes (the benchmark suite): run by hand, see bench/README.md",
    "server": "needs the fleet's PostgreSQL and broker: tests/server/test_server_runtime.py runs these commands",
}
SHELL = {"sh", "bash", "shell", "console", "powershell"}
FENCE = re.compile(
    r"^(?:[ \t]*<!-- docs-test: (?P<directive>[^>]*?) -->\n)?(?P<indent>[ \t]*)```(?P<lang>[A-Za-z]*)\n"
    r"(?P<body>.*?)^(?P=indent)```[ \t]*$", re.MULTILINE | re.DOTALL)


def blocks() -> list[tuple[str, str, str, str | None]]:
    """(id, language, code, directive) of every fenced block that is a command, a snippet or a settings file."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            lang = match["lang"].lower()
            if lang not in SHELL | {"python", "toml"}:
                continue  # an example of output, not something to run
            line = text.count("\n", 0, match.start("body"))
            code = textwrap.dedent(match["body"])
            found.append((f"{page.relative_to(ROOT)}:{line}", lang, code, match["directive"]))
    return found


BLOCKS = blocks()


def test_the_pages_have_commands_and_snippets_to_run():
    languages = [lang for _, lang, _, _ in BLOCKS]
    assert languages.count("python") >= 5 and sum(lang in SHELL for lang in languages) >= 8


def test_every_skipped_block_gives_an_allowed_reason():
    for where, _, _, directive in BLOCKS:
        if directive is not None:
            verb, _, reason = directive.partition(":")
            assert verb.strip() == "skip" and reason.strip() in SKIP_REASONS, f"{where}: {directive!r}"
    skipped = [where for where, _, _, directive in BLOCKS if directive]
    assert len(skipped) <= 5, skipped  # the exception, not the rule


PIP_SHIM = '''\
import pathlib, re, sys, tomllib
root = pathlib.Path(sys.argv[1])
args = [a for a in sys.argv[2:] if not a.startswith("-")]
extras = tomllib.loads((root / "pyproject.toml").read_text())["project"]["optional-dependencies"]
known = {re.split(r"[<>=!~;\\\\[ ]", req)[0].lower() for reqs in extras.values() for req in reqs}
if not args or args[0] != "install" or len(args) < 2:
    sys.exit(f"docs pip: only `pip install TARGET` is documented, got {sys.argv[2:]}")
for target in args[1:]:
    m = re.fullmatch(r"(\\.|(?:\\S*/)?dist/syncore-[^/]*\\.whl|[^/\\[\\]]*\\.whl)(?:\\[([a-z,]+)\\])?", target)
    if m:
        bad = [e for e in (m[2] or "").split(",") if e and e not in extras]
        if bad:
            sys.exit(f"docs pip: syncore has no extra {bad}; extras: {sorted(extras)}")
        continue
    if target.lower() not in known:
        sys.exit(f"docs pip: {target!r} is neither a syncore checkout/wheel nor a package an extra lists")
'''


#: pages whose blocks run with another emulator on a side (``syncore emulators --pim NAME``)
EMULATORS_FOR_PAGE = {"docs/graph.md": {Side.PIM: "graph"}}


@pytest.fixture
def home(tmp_path, request):
    """A folder with syncore.toml pointing at running, seeded emulators, and the environment for a block."""
    page = request.node.callspec.params.get("where", "").partition(":")[0]
    with running_backends(external=True, chosen=EMULATORS_FOR_PAGE.get(page)) as backends:
        data = sample_data(datetime.now(UTC).date())
        seed(backends[Side.PIM].adapter(), [*data.pim_only, *data.both])
        seed(backends[Side.CRM].adapter(), [*data.crm_only, *data.both])
        settings = write_emulator_settings(backends, tmp_path / "syncore.toml", timezone="UTC")
        (tmp_path / "syncore-emulators.toml").symlink_to(settings.name)
        for name in ("tests", "examples", "bench", "pyproject.toml"):
            (tmp_path / name).symlink_to(ROOT / name)
        shims = tmp_path / ".shims"
        shims.mkdir()
        (shims / "pip.py").write_text(PIP_SHIM, encoding="utf-8")
        for name in ("pip", "pip3"):
            shim = shims / name
            shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{shims / "pip.py"}" "{ROOT}" "$@"\n',
                            encoding="utf-8")
            shim.chmod(0o755)
        pim, salesforce = backends[Side.PIM], backends[Side.CRM].emulator
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("SYNCORE_", "SF_", "EWS_", "GRAPH_")) and key != "CI"}
        env.update({
            "PATH": os.pathsep.join([str(shims), str(Path(sys.executable).parent), env.get("PATH", "")]),
            "PYTHONUNBUFFERED": "1",
            "SF_SESSION_ID": salesforce.issue_token(), "SF_INSTANCE_URL": salesforce.instance_url,
            "REQUESTS_CA_BUNDLE": str(salesforce.ca_cert_path),
            **_pim_live_variables(pim, load_config(settings).adapters.pim),
        })
        yield tmp_path, env


def _pim_live_variables(backend, settings):
    """The live-test variables of the PIM side's page, pointing at its emulator."""
    emulator = backend.emulator
    if backend.adapter_name == "exchange":
        return {"EWS_EMAIL": emulator.mailboxes[0], "EWS_PASSWORD": emulator.password, "EWS_URL": emulator.url,
                "EWS_AUTH_TYPE": "basic"}
    options = settings.options  # a delegated sign-in the emulated side has already made
    return {"GRAPH_TENANT": emulator.tenant, "GRAPH_CLIENT_ID": emulator.client_id,
            "GRAPH_MAILBOX": emulator.default_upn, "GRAPH_SIGN_IN_CACHE": options["sign_in_cache"],
            "GRAPH_URL": emulator.url, "GRAPH_AUTHORITY_HOST": emulator.url, "GRAPH_CA_FILE": options["ca_file"]}


@pytest.mark.parametrize("where,lang,code,directive", [b for b in BLOCKS if b[1] != "toml"],
                         ids=[b[0] for b in BLOCKS if b[1] != "toml"])
def test_the_block_runs(where, lang, code, directive, home):
    if directive:
        pytest.skip(SKIP_REASONS[directive.partition(":")[2].strip()])
    folder, env = home
    if lang == "python":
        script = folder / "snippet.py"
        script.write_text(code, encoding="utf-8")
        command = [sys.executable, str(script)]
    else:
        command = ["bash", "-euo", "pipefail", "-c", code]
    # a user at the keyboard who answers "a" (include this and the rest) to every question
    result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=600,
                            check=False, input="a\n" * 100)
    assert result.returncode == 0, f"{where} failed ({result.returncode}):\n{code}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, f"{where}:\n{result.stderr}"


@pytest.mark.parametrize("where,code", [(b[0], b[2]) for b in BLOCKS if b[1] == "toml"],
                         ids=[b[0] for b in BLOCKS if b[1] == "toml"])
def test_the_settings_block_is_valid(where, code, tmp_path):
    config = loads_config(code)
    for side in Side:
        adapter = getattr(config.adapters, side.value)
        if adapter is not None:
            parse_side(side.value, adapter, tmp_path)  # the adapter's own option and credential checks


@pytest.mark.parametrize("args,ok", [
    (["install", ".[salesforce,exchange]"], True),
    (["install", "-q", "dist/syncore-0.1.0-py3-none-any.whl[outlook]"], True),
    (["install", "keyring"], True),
    (["install", "syncore[salesforce]"], False),      # syncore is not on a package index
    (["install", ".[salesforse]"], False),            # no such extra
    (["install", "requests-toolbelt"], False),        # not something syncore documents
])
def test_the_pip_stand_in_accepts_only_what_works_for_syncore(tmp_path, args, ok):
    shim = tmp_path / "pip.py"
    shim.write_text(PIP_SHIM, encoding="utf-8")
    result = subprocess.run([sys.executable, str(shim), str(ROOT), *args], capture_output=True, text=True,
                            check=False)
    assert (result.returncode == 0) is ok, result.stderr
