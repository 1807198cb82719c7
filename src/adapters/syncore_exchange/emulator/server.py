"""The EWS endpoint as a harness app: authenticates, applies faults, validates and dispatches SOAP operations.

The transport (keep-alive, Content-Length and chunked request bodies, TCP_NODELAY, one write per reply) is the
shared :class:`syncore.testing.emulation.LoopbackServer`; this module turns one request into one reply.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
import traceback

from syncore.testing.emulation import HttpReply, HttpRequest, RequestLog

from .faults import REQUEST_KINDS, Faults
from .log import RequestRecord
from .ops import OPERATIONS
from .ops.common import Context, SoapFaultError
from .soap import BadRequestError, envelope, parse_request, schema_fault, soap_fault
from .store import Store
from .validation import SchemaViolation, validate_envelope

log = logging.getLogger(__name__)
EWS_PATH = "/ews/exchange.asmx"
_XML = {"Content-Type": "text/xml; charset=utf-8"}


class EwsApp:
    """Request processing: ``handle(HttpRequest) -> HttpReply | None`` (None: close without an answer)."""

    def __init__(
        self,
        store: Store,
        faults: Faults,
        request_log: RequestLog,
        users: dict[str, str],
        record_xml: bool = False,
        tokens: dict[str, str] | None = None,
    ):
        self.record_xml = record_xml
        self.tokens = dict(tokens or {})
        self.store = store
        self.faults = faults
        self.log = request_log
        self.users = {k.lower(): v for k, v in users.items()}

    def authenticate(self, header: str | None) -> str | None:
        """User for a valid ``Basic`` (or known ``Bearer`` token) Authorization header, else None."""
        if header and header.lower().startswith("bearer "):
            user = self.tokens.get(header[7:].strip())
            return user.lower() if user else None
        if not header or not header.lower().startswith("basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user.lower() if self.users.get(user.lower()) == password else None

    def handle(self, http: HttpRequest) -> HttpReply | None:
        """Answer one HTTP request (the harness's app callable)."""
        record = RequestRecord(method=http.method, path=http.path)
        reply = self._handle(http, record)
        record.status = None if reply is None else reply.status
        if self.record_xml:
            record.request_xml, record.response_xml = http.body, None if reply is None else reply.body
        return reply

    def _handle(self, http: HttpRequest, record: RequestRecord) -> HttpReply | None:
        if http.path.lower() != EWS_PATH:
            return HttpReply(404, b"Not found", {"Content-Type": "text/plain"})
        if http.method != "POST":
            return HttpReply(405, b"", {"Allow": "POST"})
        try:
            request = parse_request(http.body)
        except BadRequestError as e:
            record.codes = ["ErrorSchemaValidation"]
            self.log.append(record)
            return HttpReply(500, soap_fault("ErrorSchemaValidation", str(e)), _XML)
        record.operation = request.operation
        self.log.append(record)
        record.user = self.authenticate(http.header("Authorization") or None)
        if record.user is None:
            challenge = 'Basic realm="ews-emulator"' + (", Bearer" if self.tokens else "")
            return HttpReply(401, b"401", {"WWW-Authenticate": challenge, "Content-Type": "text/plain"})
        delay = self.faults.take(request.operation, ("latency",))
        if delay is not None:
            time.sleep(delay.seconds)
        fault = self.faults.take(request.operation, REQUEST_KINDS)
        kind = None if fault is None else fault.kind
        if kind in ("drop", "lose"):
            record.fault = kind
            if kind == "lose":
                self._process(request, record, http.body, None)  # carried out; the answer never leaves
            return None
        if kind in ("status", "http"):
            record.fault = fault.label if kind == "status" else f"http:{fault.status}"
            return HttpReply(fault.status, fault.body, {"Content-Type": "text/plain", **fault.headers})
        if kind == "soap":
            code = fault.params["code"]
            record.fault = f"soap:{code}"
            record.codes.append(code)
            return HttpReply(500, soap_fault(code, fault.params.get("text"), fault.params.get("back_off_ms")), _XML)
        return self._process(request, record, http.body, fault)

    def _process(self, request, record: RequestRecord, data: bytes, fault) -> HttpReply:
        handler = OPERATIONS.get(request.operation)
        if handler is None:
            record.codes = ["ErrorInvalidOperation"]
            text = f"The EWS emulator does not implement the {request.operation} operation."
            return HttpReply(500, soap_fault("ErrorInvalidOperation", text), _XML)
        try:
            validate_envelope(request.root)
        except SchemaViolation as violation:
            record.codes = ["ErrorSchemaValidation"]
            return HttpReply(500, schema_fault(violation, data), _XML)
        ctx = Context(self.store, self.faults, request, record, record.user, message_fault=fault)
        try:
            with self.store.lock:
                response = handler(ctx)
        except SoapFaultError as e:
            record.codes = [e.code]
            return HttpReply(500, soap_fault(e.code, e.text), _XML)
        except Exception:  # noqa: BLE001 - a bug in the emulator must be loud but must not kill the server
            text = traceback.format_exc()
            log.error("EWS emulator failure in %s:\n%s", request.operation, text)
            record.codes = ["ErrorInternalServerError"]
            return HttpReply(500, soap_fault("ErrorInternalServerError", f"Emulator bug: {text}"), _XML)
        return HttpReply(200, envelope(response), _XML)
