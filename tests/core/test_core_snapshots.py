"""Record snapshots (the base stored per pair): exact round trip, compactness, stable fingerprints."""

from __future__ import annotations

import json

from hypothesis import given

from syncore import Body, Contact, Kind
from syncore.converters import make_converter
from syncore.snapshots import decode_record, encode_record, fingerprint
from syncore.testing.strategies import any_record, series_records

_converter = make_converter()


@given(any_record())
def test_decode_inverts_encode_exactly(record):
    decoded = decode_record(record.kind, encode_record(record))
    assert type(decoded) is type(record)
    assert decoded == record
    # field by field, including the formatted body sources that Body equality ignores
    assert _converter.unstructure(decoded) == _converter.unstructure(record)
    for name in record.field_names():
        assert type(getattr(decoded, name)) is type(getattr(record, name)), name


@given(any_record())
def test_decoded_record_behaves_like_a_built_one(record):
    decoded = decode_record(record.kind, encode_record(record))
    # every decoded value is one the record's converters and validation accept unchanged
    rebuilt = type(record)(**decoded.values())
    assert _converter.unstructure(rebuilt) == _converter.unstructure(record)
    assert hash(decoded) == hash(record)
    assert not decoded.changed_fields(record)


@given(series_records())
def test_series_survive_a_snapshot_exactly(record):
    decoded = decode_record(record.kind, encode_record(record))
    assert decoded == record and decoded.recurrence == record.recurrence
    assert _converter.unstructure(decoded) == _converter.unstructure(record)
    assert fingerprint(decoded) == fingerprint(record)
    assert type(record)(**decoded.values()) == record  # still a valid series, already in normal form


def test_default_fields_are_left_out():
    blob = encode_record(Contact(last_name="Ng"))
    assert blob == b'{"last_name":"Ng"}'
    assert decode_record(Kind.CONTACT, blob) == Contact(last_name="Ng")


def test_fingerprint_depends_on_content_only():
    a = Contact(last_name="Ng", notes=Body(text="hi"))
    assert fingerprint(a) == fingerprint(Contact(notes=Body(text="hi"), last_name="Ng"))
    assert fingerprint(a) != fingerprint(a.replace(last_name="Ngo"))


@given(any_record())
def test_encoding_is_the_converter_form_without_defaults(record):
    full = _converter.unstructure(record)
    blank = _converter.unstructure(type(record)(**({"start": record.start, "end": record.end}
                                                    if record.kind is Kind.EVENT else {})))
    expected = {k: v for k, v in full.items() if v != blank[k] or k in ("start", "end")}
    assert json.loads(encode_record(record)) == expected
