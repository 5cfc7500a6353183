"""Protocol drivers: the bottom layer of the acceptance suite.

A driver sends one HTTP request and returns a :class:`Reply`. The test cases and the DSL
never know which driver runs them: in-process (a variant's WSGI app, called directly) or
live HTTP (any server at a base URL, in any language).
"""

from __future__ import annotations

import http.client
import io
import json
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote_to_bytes, urlsplit

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

PROBLEM_PREFIX = "urn:kata:problem:"


@dataclass(frozen=True)
class Reply:
    """One HTTP response as a client sees it. Header names are lower case."""

    method: str
    target: str
    status: int
    headers: Mapping[str, str]
    body: bytes = field(repr=False)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def problem(self) -> str | None:
        """The problem code (``not-found``, ...) of a problem+json reply, else None."""
        if self.content_type != "application/problem+json":
            return None
        kind = self.json().get("type", "")
        return str(kind).removeprefix(PROBLEM_PREFIX) if isinstance(kind, str) else None

    def __str__(self) -> str:
        text = self.body[:600].decode("utf-8", "replace")
        return f"{self.method} {self.target} -> {self.status} {text}"


class Driver(Protocol):
    def send(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply: ...


class InProcessDriver:
    """Calls a variant's WSGI app directly: no sockets, no server.

    The environ is what a WSGI server makes of the request (PEP 3333: the path percent-decoded
    to bytes and carried as latin-1 text, headers as ``HTTP_*``), built by hand because
    werkzeug's test client costs more per request than some of the requests it sends.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self._app = app

    def send(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(status: str, response_headers: Any, exc_info: Any = None) -> Any:
            started[:] = [(status, response_headers)]
            return lambda data: None

        chunks = self._app(_environ(method, target, body, headers or {}), start_response)
        try:
            content = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        status, response_headers = started[0]
        return Reply(
            method=method,
            target=target,
            status=int(status.split(" ", 1)[0]),
            headers={name.lower(): value for name, value in response_headers},
            body=content,
        )


def _environ(
    method: str, target: str, body: bytes | None, headers: Mapping[str, str]
) -> dict[str, Any]:
    path, _, query = target.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body or b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if body is not None:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    return environ


class LiveHttpDriver:
    """Speaks real HTTP/1.1 to a server at ``base_url``: one connection per request, or with
    ``keep_alive`` one per thread, kept until the server says it closes it (or :meth:`close`).

    A connection per request is what a fault test wants (each request stands alone when a
    server is killed); a kept one spares the suite a TCP connection, and the server a new
    channel, per request: about a millisecond each. Threads never share a connection."""

    def __init__(self, base_url: str, timeout: float = 30.0, *, keep_alive: bool = False) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"expected http://host:port, got {base_url!r}")
        self._host = parts.hostname
        self._port = parts.port or 80
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._keep_alive = keep_alive
        self._kept = threading.local()
        self._opened: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def send(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        connection = self._connection()
        done = False
        try:
            sent_headers = dict(headers or {})
            if body is not None:
                sent_headers.setdefault("Content-Length", str(len(body)))
            connection.request(method, self._prefix + target, body=body, headers=sent_headers)
            response = connection.getresponse()
            reply = Reply(
                method=method,
                target=target,
                status=response.status,
                headers={name.lower(): value for name, value in response.getheaders()},
                body=response.read(),
            )
            done = not response.will_close
            return reply
        finally:
            if not (done and self._keep_alive):
                connection.close()
                self._kept.connection = None

    def close(self) -> None:
        """Close every connection kept (by any thread)."""
        with self._lock:
            for connection in self._opened:
                connection.close()
            self._opened.clear()

    def _connection(self) -> http.client.HTTPConnection:
        kept: http.client.HTTPConnection | None = getattr(self._kept, "connection", None)
        if kept is not None:
            return kept
        connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        if self._keep_alive:
            self._kept.connection = connection
            with self._lock:
                self._opened.append(connection)
        return connection


class CheckingDriver:
    """Passes every reply through ``check`` (the OpenAPI contract) before the test sees it."""

    def __init__(self, inner: Driver, check: Callable[[Reply], None]) -> None:
        self._inner = inner
        self._check = check

    def send(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        reply = self._inner.send(method, target, body, headers)
        self._check(reply)
        return reply
