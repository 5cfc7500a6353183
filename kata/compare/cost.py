"""Cost at run time: SQL statements a request issues, and its median in-process latency.

Statements are counted with SQLAlchemy's ``before_cursor_execute`` event on every ``Engine``,
so a variant cannot hide one: an ``executemany`` counts once, as it is one round trip. Only
the request's own thread counts: a background worker (a saga recovery, a relay) is not the
request's cost, and would make the count depend on the moment it ran.

A variant made of several services answers one request with several apps (microservices:
ordering calls inventory over HTTP, in this process over httpx's WSGI transport, so in the
same thread). Each statement is charged to the service whose request issued it (the Flask
app whose context is current, named by its module: ``inventory``, ``ordering``), and every
request a service receives beyond the client's own is an HTTP call between services: the
network hop a single-process variant never pays.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, has_app_context, request_started
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from kata.compare.usecases import Request, UseCase, register_products, send

OUTSIDE = "outside a request"  # a statement issued with no app context (a set-up, a script)


@dataclass
class StatementLog:
    statements: list[str]
    by_service: Counter[str] = field(default_factory=Counter)  # service -> its statements
    requests: Counter[str] = field(default_factory=Counter)  # service -> requests it received

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def calls(self) -> int:
        """HTTP calls between services: every request received beyond the client's own."""
        return max(sum(self.requests.values()) - 1, 0)


@contextmanager
def counting_statements() -> Iterator[StatementLog]:
    """Count the SQL statements every engine executes inside the block on this thread, and
    the requests each service receives, both per service (see the module's docstring)."""
    log = StatementLog([])
    thread = threading.get_ident()

    def record(*args: Any) -> None:
        if threading.get_ident() == thread:
            log.statements.append(str(args[2]).strip())  # (conn, cursor, statement, ...)
            log.by_service[_current_service()] += 1

    def received(sender: Flask, **_extra: Any) -> None:
        if threading.get_ident() == thread:
            log.requests[service_name(sender)] += 1

    event.listen(Engine, "before_cursor_execute", record)
    request_started.connect(received)
    try:
        yield log
    finally:
        request_started.disconnect(received)
        event.remove(Engine, "before_cursor_execute", record)


def service_name(app: Flask) -> str:
    """The service an app is, from its module below the variant's package:
    ``kata.microservices.inventory.service`` -> ``inventory``."""
    parts = app.import_name.split(".")
    return parts[2] if len(parts) > 3 else parts[-1]  # below kata.NAME or workshop.NAME


def _current_service() -> str:
    return service_name(current_app) if has_app_context() else OUTSIDE


@dataclass(frozen=True)
class Cost:
    use_case: str
    lines: int
    statements: int
    median_ms: float
    # Per service, in the order they issued their first statement; one entry for one service.
    per_service: tuple[tuple[str, int], ...] = ()
    calls: int = 0  # HTTP calls between services

    @property
    def services(self) -> dict[str, int]:
        return dict(self.per_service)


def measure(app: Flask, use_case: UseCase, lines: int, rounds: int, first_round: int) -> Cost:
    """Run ``use_case`` ``rounds`` times; the statement count is the last (warm) run's.

    The app must already hold the products (see ``register_products``). ``first_round`` keeps
    customers apart between measurements on one database.
    """
    client = app.test_client()
    logs: list[StatementLog] = []
    durations: list[float] = []
    for round_ in range(first_round, first_round + rounds):
        request = use_case.prepare(client, lines, round_)
        with counting_statements() as log:
            durations.append(timed(client, request))
        logs.append(log)
    warm = logs[-1]
    return Cost(
        use_case.name,
        lines,
        warm.count,
        statistics.median(durations) * 1000,
        tuple(warm.by_service.items()),
        warm.calls,
    )


def timed(
    client: FlaskClient, request: Request, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Seconds ``request`` took in process, from the client's call to its decoded reply, on
    ``clock`` (wall time by default; ``time.thread_time`` counts only this thread's CPU)."""
    started = clock()
    send(client, request)
    return clock() - started


def prepare_app(app: Flask) -> Flask:
    register_products(app.test_client())
    return app
