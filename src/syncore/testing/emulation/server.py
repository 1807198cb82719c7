"""A loopback HTTP/1.1 server for emulators: real sockets, keep-alive, any request body framing.

Emulators are specifications of remote services, so the transport must not be the weak link: clients send
bodies with ``Content-Length`` or ``Transfer-Encoding: chunked`` (jsforce, ews-javascript-api, httpx streams),
keep connections alive across requests, and notice a stalled small write (Nagle + delayed ACK costs ~40 ms per
response). :class:`LoopbackServer` handles all of that once; an emulator supplies one function that turns an
:class:`HttpRequest` into an :class:`HttpReply` (or ``None``: close the socket without answering).
"""

from __future__ import annotations

import socket
import ssl
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs, urlsplit

#: The largest request body the server accepts (both framings); emulators have no business with more.
MAX_BODY = 64 * 1024 * 1024


class BadFraming(ValueError):
    """The request body's framing (Content-Length or chunked encoding) is malformed."""


@dataclass
class HttpRequest:
    """One request as received: the body is complete, whatever framing the client used."""

    method: str
    target: str  # the request target as sent: path plus query string
    headers: Message  # case-insensitive lookup: ``headers.get("content-type")``
    body: bytes
    client: tuple[str, int] | None = None

    @property
    def path(self) -> str:
        """The target without its query string (still percent-encoded)."""
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        """Decoded query parameters (the first value of each)."""
        return {k: v[0] for k, v in parse_qs(urlsplit(self.target).query, keep_blank_values=True).items()}

    def header(self, name: str, default: str = "") -> str:
        """One header's value, looked up case-insensitively."""
        value = self.headers.get(name)
        return default if value is None else value


@dataclass
class HttpReply:
    """What to answer: the server adds ``Content-Length`` (and ``Date`` unless given) and sends head and body
    in one write."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


#: An emulator's request handler; ``None`` closes the connection without any answer (a lost reply).
App = Callable[[HttpRequest], "HttpReply | None"]


def read_chunked(rfile) -> bytes:
    """Read a ``Transfer-Encoding: chunked`` body (RFC 9112 §7.1), trailers included and discarded."""
    parts: list[bytes] = []
    total = 0
    while True:
        line = rfile.readline(65537)
        if not line.endswith(b"\n"):
            raise BadFraming("truncated chunk size line")
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise BadFraming(f"bad chunk size {size_text!r}") from None
        if size < 0:
            raise BadFraming("negative chunk size")
        if size == 0:
            break
        total += size
        if total > MAX_BODY:
            raise BadFraming("body too large")
        data = rfile.read(size)
        if len(data) != size or rfile.read(2) != b"\r\n":
            raise BadFraming("truncated chunk")
        parts.append(data)
    while True:  # trailer section, ended by an empty line
        line = rfile.readline(65537)
        if not line:
            raise BadFraming("truncated trailer section")
        if line in (b"\r\n", b"\n"):
            return b"".join(parts)


def read_body(headers: Message, rfile) -> bytes:
    """The request body by its framing: chunked wins over Content-Length (RFC 9112 §6.3); neither means none."""
    encoding = (headers.get("Transfer-Encoding") or "").lower()
    if encoding:
        codings = [c.strip() for c in encoding.split(",") if c.strip()]
        if codings[-1:] != ["chunked"]:
            # A request whose final coding is not chunked has no determinable length (RFC 9112 §6.3 item 4).
            raise BadFraming(f"unsupported Transfer-Encoding {encoding!r}")
        return read_chunked(rfile)
    raw_length = headers.get("Content-Length")
    if raw_length is None:
        return b""
    if not raw_length.strip().isdigit():
        raise BadFraming(f"bad Content-Length {raw_length!r}")
    length = int(raw_length)
    if length > MAX_BODY:
        raise BadFraming("body too large")
    data = rfile.read(length) if length else b""
    if len(data) != length:
        raise BadFraming("truncated body")
    return data


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive, as pooled clients (requests, httpx, exchangelib) expect.
    protocol_version = "HTTP/1.1"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        pass  # emulators keep their own structured request log

    def _serve(self) -> None:
        server: _Server = self.server  # type: ignore[assignment]
        try:
            body = read_body(self.headers, self.rfile)
        except BadFraming as exc:
            # The rest of the stream can't be framed any more: answer and close.
            self.close_connection = True
            self._send(HttpReply(HTTPStatus.BAD_REQUEST, str(exc).encode(), {"Content-Type": "text/plain"}))
            return
        request = HttpRequest(self.command, self.path, self.headers, body, self.client_address)
        try:
            reply = server.app(request)
        except Exception:  # noqa: BLE001
            # A bug in an emulator must still answer, and surface in LoopbackServer.errors for the test.
            server.errors.append(traceback.format_exc())
            reply = HttpReply(
                HTTPStatus.INTERNAL_SERVER_ERROR, b"emulator error", {"Content-Type": "text/plain"}
            )
        if reply is None:
            # No status line at all: the client sees the connection close (after sending its request).
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send(reply)

    def _send(self, reply: HttpReply) -> None:
        self.log_request(reply.status)
        self.send_response_only(reply.status)
        self.send_header("Server", self.version_string())
        # An emulator may answer from its own clock (a server whose clock differs from the client's).
        given = {name.lower(): value for name, value in reply.headers.items()}
        self.send_header("Date", given.get("date") or self.date_time_string())
        for name, value in reply.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        # One write for head and body: separate small writes meet Nagle + delayed ACK (~40 ms each).
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(reply.body)
        self.flush_headers()

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = do_OPTIONS = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, app: App, ssl_context: ssl.SSLContext | None, server_version: str, errors: list[str]
    ) -> None:
        self.app = app
        self.errors = errors
        self.ssl_context = ssl_context
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"server_version": server_version})
        super().__init__(("127.0.0.1", 0), handler)

    def get_request(self) -> tuple[socket.socket, object]:
        sock, addr = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.ssl_context is not None:
            # Handshake lazily in the worker thread so a silent client can't stall the accept loop.
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        with self._open_lock:
            self._open.add(sock)
        return sock, addr

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Close kept-alive client connections so their worker threads end with the server."""
        with self._open_lock:
            sockets = list(self._open)
            self._open.clear()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # client resets and TLS handshake failures are expected in fault tests


class LoopbackServer:
    """A threaded HTTP/1.1 server on ``127.0.0.1`` (random port) that hands each request to *app*.

    - Request bodies are read whole whether framed by ``Content-Length`` or ``Transfer-Encoding: chunked``;
      a malformed framing answers 400 and closes that connection.
    - Connections stay alive between requests; :meth:`stop` closes the kept-alive ones.
    - ``TCP_NODELAY`` is set and every reply goes out in one write.
    - With *ssl_context* the server speaks HTTPS (handshake in the worker thread).
    - An exception escaping *app* answers 500 and is kept in :attr:`errors`.

    Use it as a context manager or call :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        app: App,
        *,
        ssl_context: ssl.SSLContext | None = None,
        name: str = "emulator",
        server_version: str = "Emulator/1.0",
    ) -> None:
        self.app = app
        self.ssl_context = ssl_context
        self.name = name
        self.server_version = server_version
        #: Tracebacks of exceptions *app* raised (each answered 500); a test asserts it stays empty.
        self.errors: list[str] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        """Bind a random loopback port and serve on a daemon thread (no-op when already started)."""
        if self._server is None:
            self._server = _Server(self.app, self.ssl_context, self.server_version, self.errors)
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close kept-alive connections and release the port (no-op when stopped)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The bound port (after :meth:`start`)."""
        if self._server is None:
            raise RuntimeError(f"{self.name} is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (``https://`` with an SSL context)."""
        return f"{'https' if self.ssl_context else 'http'}://127.0.0.1:{self.port}"
