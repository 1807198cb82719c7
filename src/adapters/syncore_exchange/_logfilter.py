"""Keep credentials out of every log line: exchangelib's, and those of requests_oauthlib, oauthlib, urllib3 ...

exchangelib logs every request's headers at DEBUG level (``exchangelib.util``: ``Authorization: Basic
<base64 user:password>`` or ``Bearer <token>``), and requests_oauthlib logs the whole OAuth token dict
(``requests_oauthlib.oauth2_session``: "Adding token {'access_token': ...}") on every request. The core's
:mod:`syncore.redaction` scrubs every log record of every logger; this adapter registers its secrets with it.
"""

from __future__ import annotations

from collections.abc import Iterable

from syncore import redaction


def install(secrets: Iterable[str] = ()) -> None:
    """Register the adapter's password or token and make sure every log record is scrubbed."""
    redaction.register_secrets(*secrets)
    redaction.install()
