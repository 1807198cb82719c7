"""The EWS emulator as a syncore side for the demo and ``syncore emulators`` (entry point
``syncore.emulators: exchange``)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, ClassVar

from syncore.abc import Adapter, EmulatedBackend
from syncore.credentials import write_secret_file
from syncore.models import Side

from .adapter import ExchangeAdapter
from .emulator import EwsEmulator


class EmulatedExchange(EmulatedBackend):
    """A started :class:`~.emulator.EwsEmulator` with one mailbox."""

    adapter_name: ClassVar[str] = "exchange"
    side: ClassVar[Side] = Side.PIM

    def __init__(self, *, external: bool = False) -> None:
        # A password of its own, not the emulator's well-known default: it is handed around like a real one
        # (a settings file's secret, registered for log redaction, where a common word would mask others).
        self.emulator = EwsEmulator(password=secrets.token_urlsafe(18)).start()

    def adapter(self) -> Adapter:
        return ExchangeAdapter.for_emulator(self.emulator)

    def settings(self, secrets_dir: str) -> tuple[dict[str, Any], dict[str, str]]:
        password = write_secret_file(Path(secrets_dir) / "exchange-emulator-password", self.emulator.password)
        # auth_type and version pinned: exchangelib then sends no detection request
        options = {"email": self.emulator.mailboxes[0], "service_endpoint": self.emulator.url,
                   "auth_type": "basic", "version": "15.1.2507.6"}
        return options, {"password": password}

    @property
    def description(self) -> str:
        return f"Exchange emulator at {self.emulator.url}"

    def close(self) -> None:
        self.emulator.stop()


def start(*, external: bool = False) -> EmulatedExchange:
    """Start the EWS emulator (plain HTTP on 127.0.0.1 is reachable from other processes as it is)."""
    return EmulatedExchange(external=external)
