"""Credentials out of every log line, whichever library writes it.

Adapters register the secrets they are given (:func:`register_secrets`: passwords, tokens, keys). From then
on every log record is scrubbed when it is made, before any handler sees it:

* every registered value (and its URL-encoded form) becomes ``***``;
* credentials in the formats the libraries log them in become ``***`` even when nobody registered them (a
  token refreshed by oauthlib, say): ``Authorization`` header values, and the values of ``access_token``,
  ``refresh_token``, ``id_token``, ``client_secret``, ``password``, ``assertion`` ... in dicts, JSON, form
  bodies, query strings and XML elements.

The message, the formatted exception (``exc_text``) and the stack are scrubbed. This is done in a log record
factory (:func:`logging.setLogRecordFactory`) rather than by filters on named loggers, because a logger's
filters never see its child loggers' records (``requests_oauthlib.oauth2_session``, ``urllib3.connectionpool``,
``exchangelib.util`` ...) and the application may set up its handlers (``logging.basicConfig``) before or after
syncore: the factory covers every logger, present and future (msal, httpx), whatever the handlers.
An application that installs its own record factory afterwards should add :class:`RedactSecrets` to its handlers.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
#: secrets shorter than this are not registered: masking them would mangle ordinary words
MIN_SECRET_LENGTH = 4

#: ``Authorization: Basic dXNlcjpwYXNz`` / ``'Authorization': 'Bearer abc'`` -> the scheme is kept
_AUTH_HEADER = re.compile(
    r"""(?P<head>['"]?(?:Proxy-)?Authorization['"]?\s*[:=]\s*['"]?)(?P<scheme>(?:Basic|Bearer|OAuth|NTLM|Negotiate|Digest) +)?"""
    r"""(?P<value>[^'",}\s]+)""",
    re.IGNORECASE,
)
_SECRET_NAMES = (
    r"access_token|refresh_token|id_token|client_secret|client_assertion|assertion|password|passwd"
    r"|security_token|session_?id|sessionId|private_?key|api_?key|code_verifier"
)
#: ``'access_token': 'abc'``, ``"password": "abc"``, ``access_token=abc`` (a dict's repr, JSON, a form body)
_KEY_VALUE = re.compile(
    rf"""(?P<head>['"]?\b(?:{_SECRET_NAMES})['"]?\s*[:=]\s*)(?P<quote>['"])?(?P<value>(?(quote)[^'"]*|[^&\s,;}}\])<'"]+))""",
    re.IGNORECASE,
)
#: ``<n1:password>abc</n1:password>``, ``<sessionId>abc</sessionId>``
_XML_ELEMENT = re.compile(rf"(?P<head><(?P<tag>(?:\w+:)?(?:{_SECRET_NAMES}))>)(?P<value>[^<]*)(?=</(?P=tag)>)",
                          re.IGNORECASE)

#: unquoted values that are code, not credentials
_PLACEHOLDERS = frozenset({"none", "null", "true", "false"})

_lock = threading.Lock()
_secrets: set[str] = set()
#: one alternation of every registered secret, longest first (a secret may contain another); rebuilt on change
_pattern: re.Pattern[str] | None = None
_previous_factory: Callable[..., logging.LogRecord] | None = None
_exception_formatter = logging.Formatter()


def register_secrets(*values: str | None) -> None:
    """Mask these values (and their URL-encoded forms) in every log record from now on; installs the scrubbing.

    Adapters call this with every credential they receive. Empty values and values shorter than
    :data:`MIN_SECRET_LENGTH` are ignored.
    """
    forms = set()
    for value in values:
        if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
            forms.update({value, quote(value, safe=""), quote_plus(value)})
    global _pattern
    with _lock:
        if not forms <= _secrets:
            _secrets.update(forms)
            _pattern = re.compile("|".join(re.escape(v) for v in sorted(_secrets, key=len, reverse=True)))
    install()


def redact(text: str) -> str:
    """``text`` with registered secrets and credential-shaped values replaced by ``***``."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _AUTH_HEADER.sub(lambda m: m["head"] + (m["scheme"] or "") + MASK, text)
    text = _KEY_VALUE.sub(_mask_value, text)
    return _XML_ELEMENT.sub(lambda m: m["head"] + MASK, text)


def _mask_value(match: re.Match[str]) -> str:
    value = match["value"]
    code = not match["quote"] and (value.lower() in _PLACEHOLDERS or value.lower() in match["head"].lower())
    if not value or code:
        # ``password=password`` or ``password=None`` in a traceback's source line: code, not a credential
        return match[0]
    return match["head"] + (match["quote"] or "") + MASK


def scrub(record: logging.LogRecord) -> None:
    """Redact ``record``'s message, exception text and stack in place (its ``args`` are folded in when needed)."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string: logging reports it at emit time
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and not record.exc_text:
        # formatted now, so every standard Formatter prints the redacted text instead of formatting it again
        record.exc_text = redact(_exception_formatter.formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactSecrets(logging.Filter):
    """The same scrubbing as a handler filter, for applications that replace the log record factory."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub(record)
        return True


def _scrubbing_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    assert _previous_factory is not None
    record = _previous_factory(*args, **kwargs)
    scrub(record)
    return record


def install() -> None:
    """Scrub every log record from now on (idempotent). :func:`register_secrets` calls it."""
    global _previous_factory
    with _lock:
        current = logging.getLogRecordFactory()
        if current is _scrubbing_factory:
            return
        _previous_factory = current
        logging.setLogRecordFactory(_scrubbing_factory)
