"""Serve a WSGI app (the fake Kinsta) over real HTTP in a background thread.

wsgiref's server speaks HTTP/1.0 and closes after each request, and it turns every app exception
into a 500. Here a small ``BaseHTTPRequestHandler`` speaks HTTP/1.1 with keep-alive (like a real
API behind a load balancer, so connection pooling in clients is exercised) and turns a
``DroppedConnection`` from the app into a closed socket without any response.
"""

from __future__ import annotations

import contextlib
import io
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from .faults import DroppedConnection

IDLE_TIMEOUT = 30.0  # seconds an idle keep-alive connection is kept open


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, the body waits for the
    # client's delayed ACK (~40 ms per request on a kept-alive connection).
    disable_nagle_algorithm = True
    server: _Server
    timeout = IDLE_TIMEOUT

    def do_GET(self) -> None:
        self._run_app()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _run_app(self) -> None:
        environ = self._environ()
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        try:
            chunks = self.server.app(environ, start_response)
            if isinstance(chunks, list | tuple):
                chunks = [b"".join(chunks)]
        except DroppedConnection:
            self._drop()
            return
        except Exception:  # a bug in the app: answer like Kinsta's 500 rather than hang up
            self.log_error("fake app crashed on %s %s", self.command, self.path)
            body = b'{"message": "Error occurred while processing your request", "status": 500}'
            captured = {"status": "500 Internal Server Error", "headers": [("Content-Type", "application/json")]}
            chunks = [body]
        try:
            self._write(captured["status"], captured["headers"], chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()

    def _environ(self) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path),
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[f"HTTP_{key}"] = value
        return environ

    def _write(self, status: str, headers: list[tuple[str, str]], chunks: Iterable[bytes]) -> None:
        """Send the answer: a one-piece body with its Content-Length, any other body as it is generated
        (chunked, unless the app gave a Content-Length), so a huge body is never held in memory."""
        code, _, reason = status.partition(" ")
        length = next((value for name, value in headers if name.lower() == "content-length"), None)
        whole = chunks[0] if isinstance(chunks, list) and len(chunks) == 1 else None
        if whole is not None:
            length = str(len(whole))
        try:
            self.send_response(int(code), reason)
            for name, value in headers:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            if length is not None:
                self.send_header("Content-Length", length)
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if self.command != "HEAD":
                for chunk in chunks:
                    if not chunk:
                        continue
                    self.wfile.write(chunk if length is not None else b"%x\r\n%s\r\n" % (len(chunk), chunk))
                if length is None:
                    self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (a "timeout" fault longer than its timeout, a body over its cap).
            self.close_connection = True

    def _drop(self) -> None:
        """Close the TCP connection without a byte of response (the "reset" fault)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: Callable[..., Any], verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        # Track in the accepting thread, so stop() cannot miss a connection whose handler thread
        # has not started yet.
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Hang up on open keep-alive connections, so a stopped fake really is unreachable."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


@dataclass
class RunningServer:
    """A fake Kinsta served on ``url`` (the API base; "/v2" is accepted too) until ``stop()``."""

    url: str
    app: Any  # FakeKinsta
    _server: _Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(app: Any, *, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> RunningServer:
    """Start serving ``app`` in a daemon thread; ``port=0`` picks a free port."""
    server = _Server((host, port), app, verbose)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.1},
        name=f"fake-kinsta-{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return RunningServer(url=f"http://{bound_host}:{bound_port}", app=app, _server=server, _thread=thread)
