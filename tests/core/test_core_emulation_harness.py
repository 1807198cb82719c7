"""The shared emulator harness (syncore.testing.emulation): framing, keep-alive, faults, the request log.

Request framing follows RFC 9112 (https://www.rfc-editor.org/rfc/rfc9112): §6.3 (message body length: chunked
wins over Content-Length, a request with neither has no body) and §7.1 (chunked transfer coding: hex sizes,
chunk extensions, trailer section).
"""

from __future__ import annotations

import socket

import pytest
import requests

from syncore.testing.emulation import (
    Faults,
    HttpReply,
    HttpRequest,
    LoopbackServer,
    RequestLog,
    RequestLogAccess,
    RequestRecord,
)


class EchoEmulator(RequestLogAccess):
    """A tiny emulator: POST /store/<key> stores the body, GET /store/<key> reads it, anything echoes."""

    def __init__(self) -> None:
        self.log = RequestLog()
        self.faults = Faults()
        self.data: dict[str, bytes] = {}
        self.seen: list[tuple[tuple[str, int] | None, str]] = []  # (client address, Transfer-Encoding)
        self.server = LoopbackServer(self.app, name="echo")

    def app(self, request: HttpRequest) -> HttpReply | None:
        op = request.path.strip("/").split("/")[0] or "root"
        self.seen.append((request.client, request.header("transfer-encoding")))
        record = RequestRecord(op, request.method, request.path)
        self.log.append(record)

        def process() -> HttpReply:
            if op == "boom":
                raise RuntimeError("emulator bug")
            if op == "store" and request.method == "POST":
                self.data[request.path] = request.body
                return HttpReply(201, b"stored")
            if op == "store":
                return HttpReply(200, self.data.get(request.path, b""))
            return HttpReply(200, request.body, {"X-Length": str(len(request.body))})

        reply = self.faults.serve(op, process, lambda f: HttpReply(f.status or 500, b"unavailable"), record)
        record.status = reply.status if reply is not None else None
        return reply


@pytest.fixture
def emu():
    emulator = EchoEmulator()
    with emulator.server:
        yield emulator
    assert emulator.server.errors == [] or emulator.server.errors[0].endswith("emulator bug\n")


def _connect(server: LoopbackServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=5)


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one HTTP/1.1 response framed by Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed before a response head")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed inside a response body")
        rest += chunk
    return status, headers, rest[:length]


CHUNKED_REQUEST = (
    b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n"
    b"1;name=value\r\n \r\n"  # a chunk extension, ignored (RFC 9112 §7.1.1)
    b"5\r\nworld\r\n"
    b"0\r\nX-Trailer: ignored\r\n\r\n"  # a trailer section (RFC 9112 §7.1.2)
)


def test_chunked_body_is_read_whole(emu):
    with _connect(emu.server) as sock:
        sock.sendall(CHUNKED_REQUEST)
        status, headers, body = _read_response(sock)
    assert (status, body, headers["x-length"]) == (200, b"hello world", "11")


def test_keep_alive_survives_a_chunked_request(emu):
    """The next request on the same connection is framed correctly after a chunked one."""
    with _connect(emu.server) as sock:
        sock.sendall(CHUNKED_REQUEST)
        assert _read_response(sock)[2] == b"hello world"
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        assert _read_response(sock)[2] == b"abc"
        sock.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")  # neither header: no body
        assert _read_response(sock)[:1] == (200,)
    assert emu.count("echo") == 3


def test_chunked_wins_over_content_length(emu):
    """RFC 9112 §6.3: with both headers the chunked coding frames the body."""
    with _connect(emu.server) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n0\r\n\r\n"
        )
        assert _read_response(sock)[2] == b"abc"
        sock.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _read_response(sock)[0] == 200


def test_requests_streams_a_generator_body_chunked_on_one_connection(emu):
    """requests sends a generator body with Transfer-Encoding: chunked; the pooled connection is reused."""
    with requests.Session() as session:
        first = session.post(f"{emu.server.url}/echo", data=(part for part in (b"ab", b"cd", b"ef")))
        second = session.post(f"{emu.server.url}/echo", data=b"plain")
    assert (first.content, second.content) == (b"abcdef", b"plain")
    assert [encoding for _, encoding in emu.seen] == ["chunked", ""]
    assert emu.seen[0][0] == emu.seen[1][0], "the second request reused the kept-alive connection"


def test_bad_chunk_size_answers_400_and_closes(emu):
    with _connect(emu.server) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n"
        )
        status, headers, _ = _read_response(sock)
        assert status == 400 and headers.get("connection") == "close"
        assert sock.recv(10) == b""
    assert emu.count() == 0, "the emulator never saw an unframeable request"


def test_lost_reply_is_processed_then_closed_without_an_answer(emu):
    emu.faults.lose_replies(1, op="store")
    with requests.Session() as session:
        with pytest.raises(requests.ConnectionError):
            session.post(f"{emu.server.url}/store/a", data=b"written")
        assert emu.data == {"/store/a": b"written"}, "the write happened"
        assert session.get(f"{emu.server.url}/store/a").content == b"written"
    first = emu.requests[0]
    assert (first.operation, first.status, first.fault) == ("store", None, "lose")


def test_lost_reply_on_a_raw_socket_sends_no_bytes(emu):
    emu.faults.lose_replies()
    with _connect(emu.server) as sock:
        sock.sendall(b"POST /store/b HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx")
        assert sock.recv(100) == b""
    assert emu.data == {"/store/b": b"x"}


def test_dropped_connection_is_not_processed(emu):
    emu.faults.drop_connections(2)
    with requests.Session() as session:
        for _ in range(2):
            with pytest.raises(requests.ConnectionError):
                session.post(f"{emu.server.url}/store/c", data=b"never")
        assert emu.data == {}
        assert session.post(f"{emu.server.url}/store/c", data=b"now").status_code == 201
    assert [r.fault for r in emu.requests] == ["drop", "drop", None]


def test_server_error_only_on_one_operation(emu):
    emu.faults.server_error(2, status=503, op="store")
    with requests.Session() as session:
        assert session.post(f"{emu.server.url}/echo", data=b"x").status_code == 200
        assert session.post(f"{emu.server.url}/store/d", data=b"x").status_code == 503
        assert session.post(f"{emu.server.url}/store/d", data=b"x").status_code == 503
        assert session.post(f"{emu.server.url}/store/d", data=b"x").status_code == 201
    assert emu.count("store", status=503) == 2
    assert emu.count("store", fault="status:503") == 2
    assert emu.faults.pending == []


def test_fault_arguments_are_checked():
    faults = Faults()
    with pytest.raises(ValueError):
        faults.server_error(status=404)
    with pytest.raises(ValueError):
        faults.drop_connections(0)


def test_request_log_filters_and_reset(emu):
    with requests.Session() as session:
        session.post(f"{emu.server.url}/store/e", data=b"1")
        session.get(f"{emu.server.url}/store/e")
        session.get(f"{emu.server.url}/echo")
    assert emu.count() == 3
    assert emu.count("store") == 2
    assert emu.count("store", method="GET") == 1
    assert emu.count(path=lambda p: p.endswith("/e")) == 2
    assert emu.request_counts() == {"store": 2, "echo": 1}
    with pytest.raises(TypeError):
        emu.count(no_such_field=1)
    emu.reset_log()
    assert emu.requests == [] and emu.count() == 0


def test_an_exception_in_the_emulator_answers_500(emu):
    with requests.Session() as session:
        response = session.get(f"{emu.server.url}/boom")
    assert response.status_code == 500
    assert len(emu.server.errors) == 1 and "emulator bug" in emu.server.errors[0]


def test_head_has_no_body(emu):
    with _connect(emu.server) as sock:
        sock.sendall(b"HEAD /echo HTTP/1.1\r\nHost: x\r\n\r\n")
        data = sock.recv(4096)
    assert data.startswith(b"HTTP/1.1 200") and data.endswith(b"\r\n\r\n")


def test_stop_closes_kept_alive_connections_and_sets_tcp_nodelay():
    emulator = EchoEmulator()
    emulator.server.start()
    sock = _connect(emulator.server)
    sock.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
    _read_response(sock)
    # TCP_NODELAY on the server's side of the connection (private access: nothing public exposes the socket).
    (server_side,) = emulator.server._server._open
    assert server_side.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    emulator.server.stop()
    sock.settimeout(5)
    assert sock.recv(10) == b"", "the kept-alive connection was closed by stop()"
    sock.close()
    assert not emulator.server.running
    with pytest.raises(RuntimeError):
        _ = emulator.server.port


def test_an_emulator_may_answer_with_its_own_date(emu):
    """A server whose clock differs from the client's says so in Date (RFC 9110 §6.6.1)."""

    def dated(request: HttpRequest) -> HttpReply:
        return HttpReply(200, b"", {"Date": "Tue, 24 Nov 2026 15:10:00 GMT"})

    with LoopbackServer(dated) as server, requests.Session() as session:
        response = session.get(server.url)
        default = session.get(f"{emu.server.url}/echo")
    assert response.headers["Date"] == "Tue, 24 Nov 2026 15:10:00 GMT"
    assert default.headers["Date"].endswith(" GMT") and default.headers["Date"] != response.headers["Date"]


def test_a_lost_reply_armed_while_the_request_runs_applies_to_that_request(emu):
    """A test can aim the fault at one request by arming it from inside the request's processing."""
    original = emu.app

    def arming(request: HttpRequest) -> HttpReply | None:
        if request.path == "/store/target":
            emu.faults.lose_replies(1, op="store")
        return original(request)

    with LoopbackServer(arming) as server, requests.Session() as session:
        assert session.post(f"{server.url}/store/before", data=b"1").status_code == 201
        with pytest.raises(requests.ConnectionError):
            session.post(f"{server.url}/store/target", data=b"2")
        assert session.post(f"{server.url}/store/after", data=b"3").status_code == 201
    assert emu.data == {"/store/before": b"1", "/store/target": b"2", "/store/after": b"3"}
