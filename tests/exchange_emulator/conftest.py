"""Fixtures for the EWS emulator tests: one emulator (fresh port) per test, real exchangelib over HTTP."""

from __future__ import annotations

from typing import ClassVar

import pytest
from exchangelib import FaultTolerance
from exchangelib.extended_properties import ExtendedProperty
from exchangelib.items import CalendarItem, Contact, Task

from syncore_exchange.emulator import EwsEmulator, clear_protocol_cache


class SalesforceId(ExtendedProperty):
    """The custom named property syncore stores on every synced item (exchange.md §9)."""

    distinguished_property_set_id = "PublicStrings"
    property_name = "SalesforceId"
    property_type = "String"


@pytest.fixture(autouse=True)
def _register_sf_id():
    # Per test, and only if nobody (e.g. the Exchange adapter at import time) registered "sf_id" already:
    # exchangelib's register() refuses duplicate names.
    added = [cls for cls in (CalendarItem, Contact, Task) if "sf_id" not in {f.name for f in cls.FIELDS}]
    for cls in added:
        cls.register("sf_id", SalesforceId)
    yield
    for cls in added:
        cls.deregister("sf_id")


@pytest.fixture
def emu():
    with EwsEmulator(mailboxes=["user@example.com", "other@example.com"]) as emulator:
        yield emulator
    clear_protocol_cache()


@pytest.fixture
def account(emu):
    """Fail-fast account (the exchangelib default), UTC default timezone."""
    return emu.account()


@pytest.fixture
def tolerant_account(emu):
    """An account whose protocol retries (FaultTolerance with a short max_wait)."""
    return emu.account(retry_policy=FaultTolerance(max_wait=5))


class RawSoap:
    """Speaks raw SOAP to the emulator with ``requests`` (a client that is not exchangelib, and not ours)."""

    NS: ClassVar[dict[str, str]] = {
        "s": "http://schemas.xmlsoap.org/soap/envelope/",
        "m": "http://schemas.microsoft.com/exchange/services/2006/messages",
        "t": "http://schemas.microsoft.com/exchange/services/2006/types",
        "e": "http://schemas.microsoft.com/exchange/services/2006/errors",
    }

    def __init__(self, emu):
        import requests

        self.emu = emu
        self.session = requests.Session()  # one kept-alive connection, whatever the body framing
        self.session.auth = ("user@example.com", emu.password)

    def envelope(self, body: str, header: str = '<t:RequestServerVersion Version="Exchange2016"/>') -> bytes:
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"\n'
            '  xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"\n'
            '  xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">\n'
            f"<soap:Header>{header}</soap:Header>\n<soap:Body>\n{body}\n</soap:Body>\n</soap:Envelope>\n"
        ).encode()

    def post(self, body: str, header: str | None = None, chunked: bool = False, raw: bytes | None = None):
        """POST an envelope (``chunked``: as a generator, so requests sends Transfer-Encoding: chunked)."""
        from lxml import etree

        data = raw if raw is not None else (self.envelope(body) if header is None else self.envelope(body, header))
        payload = (data[i : i + 97] for i in range(0, len(data), 97)) if chunked else data
        reply = self.session.post(self.emu.url, data=payload, timeout=10,
                                  headers={"Content-Type": "text/xml; charset=utf-8"})
        return reply, etree.fromstring(reply.content)

    def find(self, root, path: str):
        return root.find(path, self.NS)

    def findall(self, root, path: str):
        return root.findall(path, self.NS)

    def text(self, root, path: str):
        elem = self.find(root, path)
        return None if elem is None else elem.text


@pytest.fixture
def soap(emu):
    client = RawSoap(emu)
    yield client
    client.session.close()
