"""In-repo Salesforce REST emulator for testing against the real simple-salesforce client.

It listens on a real 127.0.0.1 socket (plain HTTP or TLS) and reproduces the wire behaviour
described in the Salesforce reference §7: SOAP/OAuth login, SOQL query paging, single-record
and collection writes, describe, replication, limits, validation, and scriptable faults::

    from syncore_salesforce.emulator import SalesforceEmulator

    with SalesforceEmulator() as emu:
        sf = emu.client()                      # simple_salesforce.Salesforce, direct session id
        rid = sf.Contact.create({"LastName": "Lovelace"})["id"]
        emu.faults.lock_rows(1)                # next record write fails with UNABLE_TO_LOCK_ROW
        assert emu.count("sobject_create") == 1

No patching is involved: the client gets a ``requests.Session`` with a transport adapter that
routes ``https://*.salesforce.com`` and ``https://127.0.0.1:PORT`` to the emulator
(:mod:`.wiring`), passed through simple-salesforce's public ``session=`` parameter.
"""

from __future__ import annotations

from .auth import User as User
from .clock import Clock as Clock
from .emulator import SalesforceEmulator as SalesforceEmulator
from .errors import ApiError as ApiError
from .errors import RecordError as RecordError
from .faults import Faults as Faults
from .ids import checksum as checksum
from .ids import to18 as to18
from .log import RequestLogEntry as RequestLogEntry
from .wiring import EmulatorAdapter as EmulatorAdapter
from .wiring import wire_session as wire_session

__all__ = [
    "ApiError",
    "Clock",
    "EmulatorAdapter",
    "Faults",
    "RecordError",
    "RequestLogEntry",
    "SalesforceEmulator",
    "User",
    "checksum",
    "to18",
    "wire_session",
]
