"""Protocol drivers: the bottom layer of the acceptance suite.

A driver sends one HTTP request and returns a :class:`Reply`. The test cases and the DSL
never know which driver runs them: in-process (a variant's Flask app through the test
client) or live HTTP (any server at a base URL, in any language).
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import Flask

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
    """Calls a variant's Flask app through its test client: no sockets, no server."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def send(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        # A client per call keeps the driver safe to share between threads.
        client = self._app.test_client()
        response = client.open(target, method=method, data=body, headers=dict(headers or {}))
        with response:
            return Reply(
                method=method,
                target=target,
                status=response.status_code,
                headers={name.lower(): value for name, value in response.headers.items()},
                body=response.get_data(),
            )


class LiveHttpDriver:
    """Speaks real HTTP/1.1 to a server at ``base_url`` (one connection per request)."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"expected http://host:port, got {base_url!r}")
        self._host = parts.hostname
        self._port = parts.port or 80
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout

    def send(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        try:
            sent_headers = dict(headers or {})
            if body is not None:
                sent_headers.setdefault("Content-Length", str(len(body)))
            connection.request(method, self._prefix + target, body=body, headers=sent_headers)
            response = connection.getresponse()
            return Reply(
                method=method,
                target=target,
                status=response.status,
                headers={name.lower(): value for name, value in response.getheaders()},
                body=response.read(),
            )
        finally:
            connection.close()


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
