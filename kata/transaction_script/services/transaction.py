"""The transaction boundary every script shares: one script run, one transaction."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection

from kata.transaction_script.data.database import Conflict, Database
from kata.transaction_script.services.errors import ConcurrentModification

P = ParamSpec("P")
T = TypeVar("T")

# Runs in all, the first included: a run that lost a race starts again on fresh data.
ATTEMPTS = 8
# Before each new run, a random pause of up to this long, doubled at every run (jittered
# exponential backoff): rivals that collided spread out instead of colliding again at once.
FIRST_PAUSE_SECONDS = 0.010


def _pause_before(attempt: int) -> None:
    if attempt:
        time.sleep(random.uniform(0, FIRST_PAUSE_SECONDS * 2 ** (attempt - 1)))


def script(
    procedure: Callable[Concatenate[Connection, P], T],
) -> Callable[Concatenate[Database, P], T]:
    """Make ``procedure(connection, ...)`` callable as ``procedure(database, ...)``.

    It runs in one transaction: committed when it returns, rolled back when it raises.
    """

    @functools.wraps(procedure)
    def run(database: Database, /, *args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(ATTEMPTS):
            _pause_before(attempt)
            try:
                return database.run(lambda connection: procedure(connection, *args, **kwargs))
            except Conflict:
                continue
        raise ConcurrentModification("Too many concurrent changes; try again.")

    return run
