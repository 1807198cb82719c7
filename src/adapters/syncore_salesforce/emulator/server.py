"""HTTP plumbing: a threaded loopback server whose handler hands each request to the emulator."""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .emulator import SalesforceEmulator


@dataclass
class HttpResult:
    """What to send back; ``None`` in place of a result means "drop the connection"."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive, as requests' pooled sessions expect.
    protocol_version = "HTTP/1.1"
    server_version = "SalesforceEmulator/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        pass  # the emulator keeps its own structured log

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        emu: SalesforceEmulator = self.server.emulator  # type: ignore[attr-defined]
        result = emu.handle_http(self.command, self.path, dict(self.headers.items()), body)
        if result is None:
            # Fault injection: no status line, just a closed socket.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(result.status)
        for name, value in result.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(result.body)))
        # One write for head and body: separate small writes meet Nagle + delayed ACK (~40 ms each).
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(result.body)
        self.flush_headers()

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = _serve


class EmulatorHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer bound to 127.0.0.1 on a random port, optionally TLS."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, emulator: SalesforceEmulator, ssl_context: ssl.SSLContext | None = None) -> None:
        self.emulator = emulator
        self.ssl_context = ssl_context
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

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


def serve_in_thread(server: EmulatorHTTPServer) -> threading.Thread:
    """Run *server* on a daemon thread; returns the thread."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="salesforce-emulator", daemon=True
    )
    thread.start()
    return thread
