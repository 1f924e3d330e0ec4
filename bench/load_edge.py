"""A viewer's connection to the edge for bench/load_locustfile.py: one keep-alive HTTP/1.1 connection (gevent's
socket under Locust) that reads each response into a buffer it reuses.

Why not Locust's FastHttpSession (geventhttpclient) for segments: a 550-KB v360 segment cost it ~640 us of CPU
(4-KB reads, each through the HTTP parser into a growing bytearray, then copied; 256-KB reads were worse, ~1.3 ms,
each allocating a 256-KB bytes object) against ~115-165 us with recv_into a reused buffer (the same nginx, same
file, /tmp/lg micro-benchmark of 2026-12-06, load average ~12). At 3,700 viewers the load generator makes ~1,230
segment requests a second on the two cores it shares with the servers, so that difference is most of a core.

The edge is our nginx: every answer it gives (files, 403, 404, 410) has a Content-Length; anything else (no
Content-Length, a malformed head, a closed connection) raises EdgeProtocolError and the connection is dropped, so
the next request opens a new one, as a player's would."""

import socket

HEAD_LIMIT = 16 * 1024


class EdgeProtocolError(Exception):
    """The edge's answer could not be read as a complete HTTP/1.1 response with a Content-Length."""


class EdgeConnection:
    def __init__(self, host: str, port: int, *, timeout: float):
        self.address, self.timeout = (host, port), timeout
        self.host_header = f"{host}:{port}"
        self.sock: socket.socket | None = None
        self.buffer = bytearray(1 << 20)  # a v360 segment is ~550 KB; grown when a response needs more
        self.view = memoryview(self.buffer)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def get(self, path: str, *, keep_body: bool = False) -> tuple[int, int, bytes | None]:
        """GET `path`: (status, body length, the body when keep_body). Raises OSError or EdgeProtocolError (the
        connection is closed then)."""
        try:
            return self._get(path, keep_body)
        except BaseException:
            self.close()
            raise

    def _get(self, path: str, keep_body: bool) -> tuple[int, int, bytes | None]:
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=self.timeout)
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {self.host_header}\r\nUser-Agent: reelhouse-load\r\n"
                          "\r\n".encode())
        got, head_end = 0, -1
        while head_end < 0:
            n = self.sock.recv_into(self.view[got:])
            if not n:
                raise EdgeProtocolError("the edge closed the connection before the end of the head")
            got += n
            head_end = self.buffer.find(b"\r\n\r\n", 0, got)
            if head_end < 0 and got > HEAD_LIMIT:
                raise EdgeProtocolError(f"no end of the head in {got} bytes")
        status_line, *fields = bytes(self.buffer[:head_end]).decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise EdgeProtocolError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
        headers = {}
        for field in fields:
            name, _, value = field.partition(":")
            headers[name.strip().lower()] = value.strip()
        if not headers.get("content-length", "").isdigit():
            raise EdgeProtocolError(f"HTTP {parts[1]} without a Content-Length")
        start = head_end + 4
        need = start + int(headers["content-length"])
        if need > len(self.buffer):  # rare: keep what was read, then read on into a larger buffer
            self.buffer = bytearray(self.buffer[:got]) + bytearray(need - got)
            self.view = memoryview(self.buffer)
        while got < need:
            n = self.sock.recv_into(self.view[got:need])
            if not n:
                raise EdgeProtocolError(f"the edge closed the connection {need - got} bytes before the body's end")
            got += n
        if got > need:
            raise EdgeProtocolError(f"{got - need} bytes after the body (no request was pipelined)")
        body = bytes(self.buffer[start:need]) if keep_body else None
        if headers.get("connection", "").lower() == "close":
            self.close()
        return int(parts[1]), need - start, body
