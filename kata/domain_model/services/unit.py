"""``@use_case``: each run gets its own unit of work, rolled back unless the use case commits."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from kata.domain_model.persistence.database import Database, lost_a_race
from kata.domain_model.persistence.unit_of_work import UnitOfWork
from kata.domain_model.services.errors import ConcurrentModification

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


def use_case(
    procedure: Callable[Concatenate[UnitOfWork, P], T],
) -> Callable[Concatenate[Database, P], T]:
    @functools.wraps(procedure)
    def run(database: Database, /, *args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(ATTEMPTS):
            _pause_before(attempt)
            with database.session() as session:
                try:
                    return procedure(UnitOfWork(session), *args, **kwargs)
                except Exception as error:
                    session.rollback()
                    if not lost_a_race(error):
                        raise
        raise ConcurrentModification("Too many concurrent changes; try again.")

    return run
