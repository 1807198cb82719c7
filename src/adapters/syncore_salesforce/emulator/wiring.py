"""Client-side wiring (reference §7.1): route simple-salesforce's https URLs to the emulator.

simple-salesforce always builds ``https://{instance}/...`` URLs and logs in at
``https://{domain}.salesforce.com``. Instead of patching it, a requests ``Session`` gets a
transport adapter mounted for ``https://`` that rewrites Salesforce and loopback URLs to the
emulator's real address; the session is then passed through the public ``session=`` parameter.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter


class EmulatorAdapter(HTTPAdapter):
    """Transport adapter that sends ``*.salesforce.com`` and ``127.0.0.1:PORT`` requests to the emulator."""

    def __init__(self, emulator_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        target = urlsplit(emulator_url)
        self._scheme = target.scheme
        self._netloc = target.netloc
        self._port = target.port

    def _should_rewrite(self, netloc: str, host: str) -> bool:
        if host.endswith(".salesforce.com") or host == "salesforce.com":
            return True
        return host in ("127.0.0.1", "localhost") and netloc.endswith(f":{self._port}")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        if self._should_rewrite(parts.netloc, parts.hostname or ""):
            request.url = urlunsplit((self._scheme, self._netloc, parts.path, parts.query, parts.fragment))
        return super().send(request, **kwargs)


def wire_session(session: requests.Session, emulator_url: str, ca_cert_path: str | None) -> requests.Session:
    """Mount :class:`EmulatorAdapter` on *session* and make TLS trust the emulator's CA.

    ``trust_env`` is switched off: ``REQUESTS_CA_BUNDLE`` would otherwise override ``verify``
    and proxy variables would capture loopback traffic (reference §6.4 item 5).
    """
    adapter = EmulatorAdapter(emulator_url)
    session.mount("https://", adapter)
    session.mount("http://127.0.0.1", adapter)
    session.trust_env = False
    if ca_cert_path is not None:
        session.verify = ca_cert_path
    return session
