"""The Graph emulator as a syncore side for the demo and ``syncore emulators`` (entry point
``syncore.emulators: graph``).

The side signs in as a desktop user would: a device code sign-in (the emulator approves it at once) whose
tokens msal keeps in an owner-only cache. A delegated sign-in reaches every kind; an app-only one could not
write Microsoft To Do tasks.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from syncore._files import write_private_text
from syncore.abc import Adapter, EmulatedBackend
from syncore.models import Side

from ._auth import DeviceCodeSignIn
from .adapter import GraphAdapter
from .emulator import GraphEmulator

SIGN_IN_CACHE = "graph-sign-in.json"


class EmulatedGraph(EmulatedBackend):
    """A started :class:`~.emulator.GraphEmulator` (HTTPS on 127.0.0.1, a throwaway CA) with one mailbox."""

    adapter_name: ClassVar[str] = "graph"
    side: ClassVar[Side] = Side.PIM

    def __init__(self, *, external: bool = False) -> None:
        # The emulator always serves HTTPS (msal refuses an http authority), so other processes reach it as
        # they are: ``external`` changes nothing here.
        self.emulator = GraphEmulator().start()
        self._folder = Path(tempfile.mkdtemp(prefix="syncore-graph-"))

    def adapter(self) -> Adapter:
        return GraphAdapter.for_emulator(self.emulator, auth="device_code",
                                         token_cache=str(self._folder / SIGN_IN_CACHE))

    def settings(self, secrets_dir: str) -> tuple[dict[str, Any], dict[str, str]]:
        """Options of a settings file reaching the emulator: a device code sign-in already made into
        ``secrets_dir``'s owner-only cache, and the emulator's CA certificate next to it. No credentials."""
        folder = Path(secrets_dir)
        emu = self.emulator
        ca_file = folder / "graph-emulator-ca.pem"
        write_private_text(ca_file, Path(emu.ca_cert_path).read_text(encoding="utf-8"))
        cache = folder / SIGN_IN_CACHE
        DeviceCodeSignIn(tenant=emu.tenant, client_id=emu.client_id, cache_path=cache, authority_host=emu.url,
                         verify=emu.ca_cert_path).sign_in(show=lambda message: None)
        options = {"auth": "device_code", "tenant": emu.tenant, "client_id": emu.client_id,
                   "mailbox": emu.default_upn, "sign_in_cache": str(cache), "graph_url": emu.url,
                   "authority_host": emu.url, "ca_file": str(ca_file)}
        return options, {}

    @property
    def description(self) -> str:
        return f"Microsoft Graph emulator at {self.emulator.url}"

    def close(self) -> None:
        self.emulator.stop()
        shutil.rmtree(self._folder, ignore_errors=True)


def start(*, external: bool = False) -> EmulatedGraph:
    """Start the Graph emulator (HTTPS on 127.0.0.1 with a throwaway CA)."""
    return EmulatedGraph(external=external)
