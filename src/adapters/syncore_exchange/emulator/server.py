"""HTTP front end: a threaded loopback server that authenticates, injects faults and dispatches SOAP ops."""

from __future__ import annotations

import base64
import binascii
import logging
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .faults import Faults
from .log import RequestLog, RequestRecord
from .ops import OPERATIONS
from .ops.common import Context, SoapFaultError
from .soap import BadRequestError, envelope, parse_request, schema_fault, soap_fault
from .store import Store
from .validation import SchemaViolation, validate_envelope

log = logging.getLogger(__name__)
EWS_PATH = "/ews/exchange.asmx"
DROP = 0  # pseudo status: close the connection without a reply


class EwsApp:
    """Request processing, independent of the socket plumbing."""

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

    def handle(self, path: str, headers, data: bytes) -> tuple[int, dict[str, str], bytes]:
        """Process one POST; returns ``(status, headers, body)``."""
        record = RequestRecord("?")
        status, out_headers, body = self._handle(path, headers, data, record)
        if self.record_xml:
            record.request_xml, record.response_xml = data, body
        return status, out_headers, body

    def _handle(
        self, path: str, headers, data: bytes, record: RequestRecord
    ) -> tuple[int, dict[str, str], bytes]:
        xml_headers = {"Content-Type": "text/xml; charset=utf-8"}
        if path.split("?")[0].lower() != EWS_PATH:
            return 404, {"Content-Type": "text/plain"}, b"Not found"
        try:
            request = parse_request(data)
        except BadRequestError as e:
            record.status, record.codes = 500, ["ErrorSchemaValidation"]
            self.log.append(record)
            return 500, xml_headers, soap_fault("ErrorSchemaValidation", str(e))
        record.operation = request.operation
        self.log.append(record)
        user = self.authenticate(headers.get("Authorization"))
        record.user = user
        if user is None:
            record.status = 401
            challenge = 'Basic realm="ews-emulator"' + (", Bearer" if self.tokens else "")
            return 401, {"WWW-Authenticate": challenge, "Content-Type": "text/plain"}, b"401"
        delay = self.faults.take_request_fault(request.operation, kinds=("latency",))
        if delay is not None:
            time.sleep(delay.seconds)
        fault = self.faults.take_request_fault(request.operation)
        if fault is not None and fault.kind == "drop":
            record.status, record.fault = 0, "drop"
            return DROP, {}, b""
        if fault is not None and fault.kind == "lose":
            # The request is carried out; its answer never leaves.
            self._process(request, record, data, None)
            record.status, record.fault = 0, "lose"
            return DROP, {}, b""
        if fault is not None and fault.kind == "http":
            record.status, record.fault = fault.status, f"http:{fault.status}"
            return fault.status, {"Content-Type": "text/plain", **fault.headers}, fault.body
        if fault is not None and fault.kind == "soap":
            record.status, record.fault = 500, f"soap:{fault.code}"
            record.codes.append(fault.code)
            return 500, xml_headers, soap_fault(fault.code, fault.text, fault.back_off_ms)
        return self._process(request, record, data, fault)

    def _process(
        self, request, record: RequestRecord, data: bytes, fault
    ) -> tuple[int, dict[str, str], bytes]:
        xml_headers = {"Content-Type": "text/xml; charset=utf-8"}
        handler = OPERATIONS.get(request.operation)
        if handler is None:
            record.status, record.codes = 500, ["ErrorInvalidOperation"]
            text = f"The EWS emulator does not implement the {request.operation} operation."
            return 500, xml_headers, soap_fault("ErrorInvalidOperation", text)
        try:
            validate_envelope(request.root)
        except SchemaViolation as violation:
            record.status, record.codes = 500, ["ErrorSchemaValidation"]
            return 500, xml_headers, schema_fault(violation, data)
        ctx = Context(self.store, self.faults, request, record, record.user, message_fault=fault)
        try:
            with self.store.lock:
                response = handler(ctx)
        except SoapFaultError as e:
            record.status, record.codes = 500, [e.code]
            return 500, xml_headers, soap_fault(e.code, e.text)
        except Exception:  # noqa: BLE001 - a bug in the emulator must be loud but must not kill the server
            text = traceback.format_exc()
            log.error("EWS emulator failure in %s:\n%s", request.operation, text)
            record.status, record.codes = 500, ["ErrorInternalServerError"]
            return 500, xml_headers, soap_fault("ErrorInternalServerError", f"Emulator bug: {text}")
        return 200, xml_headers, envelope(response)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: exchangelib treats "Connection: close" as throttling

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length)
        status, headers, body = self.server.app.handle(self.path, self.headers, data)
        if status == DROP:
            self.close_connection = True
            return
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, app: EwsApp):
        super().__init__(address, _Handler)
        self.app = app


class HttpServer:
    """Owns the listening socket and its serving thread."""

    def __init__(self, app: EwsApp, host: str = "127.0.0.1", port: int = 0):
        self._server = _Server((host, port), app)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="ews-emulator",
            daemon=True,
        )

    @property
    def address(self) -> tuple[str, int]:
        return self._server.server_address[:2]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
