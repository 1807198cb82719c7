"""The Salesforce emulator as a syncore side for the demo and ``syncore emulators`` (entry point
``syncore.emulators: salesforce``)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, ClassVar

from syncore.abc import Adapter, EmulatedBackend
from syncore.credentials import write_secret_file
from syncore.models import Side

from .adapter import SalesforceAdapter
from .emulator import SalesforceEmulator


class EmulatedSalesforce(EmulatedBackend):
    """A started :class:`~.emulator.SalesforceEmulator`; over TLS when other processes are to reach it."""

    adapter_name: ClassVar[str] = "salesforce"
    side: ClassVar[Side] = Side.CRM

    def __init__(self, *, external: bool = False) -> None:
        # Another process reaches the emulator only through its instance URL, which is always https.
        self.emulator = SalesforceEmulator(tls=external).start()

    def adapter(self) -> Adapter:
        return SalesforceAdapter.for_emulator(self.emulator)

    def settings(self, secrets_dir: str) -> tuple[dict[str, Any], dict[str, str]]:
        if self.emulator.ca_cert_path is None:
            raise RuntimeError("start the emulator with external=True to reach it from a settings file")
        folder = Path(secrets_dir)
        ca_file = folder / "salesforce-emulator-ca.pem"
        shutil.copyfile(self.emulator.ca_cert_path, ca_file)
        session = write_secret_file(folder / "salesforce-emulator-session", self.emulator.issue_token())
        options = {"instance_url": self.emulator.instance_url, "ca_file": str(ca_file)}
        return options, {"session_id": session}

    @property
    def description(self) -> str:
        return f"Salesforce emulator at {self.emulator.url}"

    def close(self) -> None:
        self.emulator.stop()


def start(*, external: bool = False) -> EmulatedSalesforce:
    """Start the Salesforce emulator (``external``: serve TLS so a settings file can point at it)."""
    return EmulatedSalesforce(external=external)
