"""Payload decoding and describe-driven field validation (reference §7.4).

Request-level problems (a value JSON can't be deserialised into the field's type) raise
:class:`ApiError` ``JSON_PARSER_ERROR``; per-record data problems raise :class:`RecordError`
with the Salesforce error code and message layout.
"""

from __future__ import annotations

import re
from typing import Any

from .clock import parse_date, parse_datetime
from .errors import ApiError, RecordError
from .ids import MalformedId, to18
from .schema import TEXT_TYPES, FieldDef, SObjectDef, reference_prefixes

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Keys a client may send that are not fields.
_IGNORED_KEYS = frozenset({"attributes"})


def _parse_error(fdef: FieldDef, value: Any, java_type: str) -> ApiError:
    kind = (
        "VALUE_STRING"
        if isinstance(value, str)
        else "VALUE_NUMBER_INT"
        if isinstance(value, int)
        else "VALUE"
    )
    return ApiError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {java_type} from {kind} value {value} or request may be missing a "
        f"required field at [line:1, column:1]",
    )


def coerce_value(fdef: FieldDef, value: Any) -> Any:
    """Convert a JSON value into the stored Python value for *fdef*."""
    if value is None:
        return None
    ftype = fdef.type
    if ftype in TEXT_TYPES or ftype in ("id", "reference"):
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (int, float)):
            value = str(value)
        elif not isinstance(value, str):
            raise _parse_error(fdef, value, "string")
        # Salesforce stores an empty string as null.
        return value if value != "" else None
    if ftype == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _parse_error(fdef, value, "boolean")
    if ftype == "int":
        if isinstance(value, bool):
            raise _parse_error(fdef, value, "int")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        raise _parse_error(fdef, value, "int")
    if ftype in ("double", "currency", "percent"):
        if isinstance(value, bool):
            raise _parse_error(fdef, value, "double")
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _parse_error(fdef, value, "double") from None
    if ftype == "date":
        if not isinstance(value, str):
            raise _parse_error(fdef, value, "date")
        try:
            return parse_date(value[:10]) if len(value) > 10 else parse_date(value)
        except ValueError:
            raise _parse_error(fdef, value, "date") from None
    if ftype == "datetime":
        if not isinstance(value, str):
            raise _parse_error(fdef, value, "datetime")
        try:
            return parse_datetime(value)
        except ValueError:
            raise _parse_error(fdef, value, "datetime") from None
    return value


def decode_payload(
    obj: SObjectDef, payload: dict[str, Any], *, creating: bool, trusted: bool
) -> dict[str, Any]:
    """Map a JSON payload onto schema-cased fields with Python values.

    *trusted* writes (the emulator's direct-access API, standing in for another user or an
    automated process) may set read-only fields; client writes may not.
    """
    if not isinstance(payload, dict):
        raise ApiError(
            400, "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject from non-object value"
        )
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if key in _IGNORED_KEYS:
            continue
        fdef = obj.field(key)
        if fdef is None:
            raise RecordError("INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}", [])
        if fdef.name == "Id" and not trusted:
            if creating:
                raise RecordError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", ["Id"]
                )
            continue  # an update body may repeat the id; Salesforce ignores it
        out[fdef.name] = coerce_value(fdef, value)
    if not trusted:
        flag = "createable" if creating else "updateable"
        bad = [name for name in out if not obj.field(name).raw.get(flag)]
        if bad:
            raise RecordError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(bad)}. Please check the security settings of "
                f"this "
                f"field and verify that it is read/write for your profile or permission set.",
                bad,
            )
    return out


def check_values(obj: SObjectDef, values: dict[str, Any]) -> dict[str, Any]:
    """Validate the written values: lengths, picklists, references, e-mail. Returns normalised values."""
    out = dict(values)
    for name, value in values.items():
        if value is None:
            continue
        fdef = obj.field(name)
        ftype = fdef.type
        if ftype in TEXT_TYPES and fdef.length and len(value) > fdef.length:
            raise RecordError(
                "STRING_TOO_LONG",
                f"{fdef.label}: data value too large: {value} (max length={fdef.length})",
                [fdef.name],
            )
        if ftype == "picklist" and fdef.raw.get("restrictedPicklist") and value not in fdef.picklist_values():
            raise RecordError(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{fdef.label}: bad value for restricted picklist field: {value}",
                [fdef.name],
            )
        if ftype == "reference":
            out[name] = _check_reference(fdef, value)
        if ftype == "email" and not _EMAIL_RE.match(value):
            raise RecordError(
                "INVALID_EMAIL_ADDRESS", f"{fdef.label}: invalid email address: {value}", [fdef.name]
            )
    return out


def _check_reference(fdef: FieldDef, value: str) -> str:
    try:
        rid = to18(value)
    except MalformedId:
        raise RecordError(
            "MALFORMED_ID", f"{fdef.label}: id value of incorrect type: {value}", [fdef.name]
        ) from None
    prefixes = reference_prefixes(fdef)
    if prefixes and rid[:3] not in prefixes:
        raise RecordError(
            "FIELD_INTEGRITY_EXCEPTION", f"{fdef.label}: id value of incorrect type: {value}", [fdef.name]
        )
    return rid


def check_required(obj: SObjectDef, record: dict[str, Any]) -> None:
    """REQUIRED_FIELD_MISSING for non-nillable, non-defaulted createable fields that are null."""
    missing = [
        f.name
        for f in obj.fields.values()
        if not f.raw.get("nillable")
        and f.raw.get("createable")
        and not f.raw.get("defaultedOnCreate")
        and f.type != "boolean"
        and record.get(f.name) is None
    ]
    if missing:
        raise RecordError(
            "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing
        )


def defaults(obj: SObjectDef) -> dict[str, Any]:
    """A fresh record: every field null except booleans and defaulted picklists."""
    rec: dict[str, Any] = {}
    for f in obj.fields.values():
        if f.type == "address":
            continue
        value: Any = None
        if f.type == "boolean":
            value = bool(f.raw.get("defaultValue") or False)
        elif f.type == "picklist" and f.raw.get("defaultedOnCreate"):
            value = f.picklist_default()
        rec[f.name] = value
    return rec
