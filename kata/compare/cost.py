"""Cost at run time: SQL statements a request issues, and its median in-process latency.

Statements are counted with SQLAlchemy's ``before_cursor_execute`` event on every ``Engine``,
so a variant cannot hide one: an ``executemany`` counts once, as it is one round trip.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from kata.compare.usecases import Request, UseCase, register_products, send


@dataclass
class StatementLog:
    statements: list[str]

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def counting_statements() -> Iterator[StatementLog]:
    """Count the SQL statements every engine in this process executes inside the block."""
    log = StatementLog([])

    def record(*args: Any) -> None:
        log.statements.append(str(args[2]).strip())  # (conn, cursor, statement, ...)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(Engine, "before_cursor_execute", record)


@dataclass(frozen=True)
class Cost:
    use_case: str
    lines: int
    statements: int
    median_ms: float


def measure(app: Flask, use_case: UseCase, lines: int, rounds: int, first_round: int) -> Cost:
    """Run ``use_case`` ``rounds`` times; the statement count is the last (warm) run's.

    The app must already hold the products (see ``register_products``). ``first_round`` keeps
    customers apart between measurements on one database.
    """
    client = app.test_client()
    counts: list[int] = []
    durations: list[float] = []
    for round_ in range(first_round, first_round + rounds):
        request = use_case.prepare(client, lines, round_)
        with counting_statements() as log:
            durations.append(timed(client, request))
        counts.append(log.count)
    return Cost(use_case.name, lines, counts[-1], statistics.median(durations) * 1000)


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
