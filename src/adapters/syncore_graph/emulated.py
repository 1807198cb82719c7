"""The Graph emulator as a syncore side for the demo (entry point ``syncore.emulators: graph``)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, ClassVar

from syncore._files import write_private_text
from syncore.abc import Adapter
from syncore.models import Side

from .adapter import GraphAdapter
from .emulator import GraphEmulator


class EmulatedGraph:
    """A started :class:`~.emulator.GraphEmulator` with one mailbox, reached by app-only sign-in."""

    adapter_name: ClassVar[str] = "graph"
    side: ClassVar[Side] = Side.PIM

    def __init__(self, *, external: bool = False) -> None:
        # a secret of its own, handed around like a real one (settings file, log redaction)
        self.emulator = GraphEmulator(client_secret=secrets.token_urlsafe(24)).start()

    def adapter(self) -> Adapter:
        return GraphAdapter.for_emulator(self.emulator)

    def settings(self, secrets_dir: str) -> tuple[dict[str, Any], dict[str, str]]:
        """Options and credentials of a settings file reaching the emulator (the secret in an owner-only file,
        the CA certificate next to it)."""
        folder = Path(secrets_dir)
        secret_file = folder / "graph-emulator-client-secret"
        write_private_text(secret_file, self.emulator.client_secret or "")
        ca_file = folder / "graph-emulator-ca.pem"
        write_private_text(ca_file, Path(self.emulator.ca_cert_path).read_text(encoding="utf-8"))
        emu = self.emulator
        options = {"auth": "app", "tenant": emu.tenant, "client_id": emu.client_id, "mailbox": emu.default_upn,
                   "graph_url": emu.url, "authority_host": emu.url, "verify": str(ca_file)}
        return options, {"client_secret": f"file:{secret_file}"}

    @property
    def description(self) -> str:
        return f"Microsoft Graph emulator at {self.emulator.url}"

    def close(self) -> None:
        self.emulator.stop()

    def __enter__(self) -> EmulatedGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start(*, external: bool = False) -> EmulatedGraph:
    """Start the Graph emulator (HTTPS on 127.0.0.1 with a throwaway CA)."""
    return EmulatedGraph(external=external)
