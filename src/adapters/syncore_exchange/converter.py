"""The Exchange adapter's wire conventions as a cattrs converter (the ``make_converter()`` per adapter).

On top of syncore's own conventions (:func:`syncore.converters.make_converter`):

* ``EWSDateTime`` values are ISO 8601 in UTC with ``Z`` (EWS answers in UTC; requests carry local offsets)
* ``EWSDate`` values (all-day events, birthdays, due dates) are ``YYYY-MM-DD``. An all-day event's end is
  **inclusive** in exchangelib and **exclusive** in syncore; the one conversion is in
  :mod:`._mapping.calendar`, never here
* ``HTMLBody`` / ``Body`` are ``{"type": "HTML" | "Text", "value": ...}``
* the change cursor is ``{"v": 1, "folder": "<mailbox>|<folder id>", "state": <SyncFolderItems state>}``
  (:func:`encode_cursor` / :func:`decode_cursor`)
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import cattrs
from exchangelib import Body, EWSDate, EWSDateTime, HTMLBody

from syncore.converters import make_converter as _core_converter

from ._sync import decode_cursor, encode_cursor


def _datetime_text(value: EWSDateTime) -> str:
    utc = datetime.fromtimestamp(value.timestamp(), tz=UTC)
    return utc.isoformat(timespec="seconds").replace("+00:00", "Z")


def _body_data(value: Body) -> dict[str, str]:
    return {"type": "HTML" if isinstance(value, HTMLBody) else "Text", "value": str(value)}


def make_converter() -> cattrs.Converter:
    """A fresh converter with the conventions listed in the module docstring."""
    converter = _core_converter()
    converter.register_unstructure_hook(EWSDateTime, _datetime_text)
    converter.register_unstructure_hook(EWSDate, lambda value: date(value.year, value.month, value.day).isoformat())
    converter.register_unstructure_hook(HTMLBody, _body_data)
    converter.register_unstructure_hook(Body, _body_data)
    converter.register_structure_hook(
        Body, lambda data, _: HTMLBody(data["value"]) if data["type"] == "HTML" else Body(data["value"])
    )
    return converter


__all__ = ["decode_cursor", "encode_cursor", "make_converter"]
