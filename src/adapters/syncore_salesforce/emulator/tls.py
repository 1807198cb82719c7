"""The Salesforce emulator's throwaway CA and loopback certificate: the emulator harness's (one implementation,
:mod:`syncore.testing.emulation.tls`), named for this emulator."""

from __future__ import annotations

from syncore.testing.emulation.tls import TlsFiles
from syncore.testing.emulation.tls import generate as _generate

__all__ = ["TlsFiles", "generate"]


def generate() -> TlsFiles:
    """A CA and a server certificate valid for 127.0.0.1, ::1 and localhost for one day."""
    return _generate("Salesforce emulator")
