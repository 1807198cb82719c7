"""Keep credentials out of exchangelib's debug log.

exchangelib logs every request's headers at DEBUG level (``exchangelib.util``), ``Authorization: Basic
<base64 user:password>`` or ``Bearer <token>`` included. A filter on those loggers rewrites the header value
before any handler sees the record; it changes nothing else.
"""

from __future__ import annotations

import logging
import re

_AUTH_HEADER = re.compile(r"""(['"]?Authorization['"]?\s*[:=]\s*['"]?)([A-Za-z0-9]+ )?[^'",}\s]+""", re.IGNORECASE)
#: exchangelib modules that log request headers
LOGGERS = ("exchangelib.util", "exchangelib.protocol", "exchangelib.services.common")


class RedactAuthorization(logging.Filter):
    """Replace the value of any ``Authorization`` header in a log record by ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "uthorization" in message:
            record.msg = _AUTH_HEADER.sub(lambda m: m.group(1) + (m.group(2) or "") + "***", message)
            record.args = ()
        return True


def install() -> None:
    """Attach the filter once to each exchangelib logger that logs headers."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactAuthorization) for f in logger.filters):
            logger.addFilter(RedactAuthorization())
