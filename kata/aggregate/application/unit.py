"""``@use_case``: each run gets its own unit of work; a stale write runs it again."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from kata.aggregate.application.errors import ConcurrentModification
from kata.aggregate.application.ports import Conflict, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

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
) -> Callable[Concatenate[UnitOfWorkFactory, P], T]:
    @functools.wraps(procedure)
    def run(units: UnitOfWorkFactory, /, *args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(ATTEMPTS):
            _pause_before(attempt)
            try:
                with units() as uow:
                    return procedure(uow, *args, **kwargs)
            except Conflict as conflict:
                log.info("%s lost a race: %s", procedure.__name__, conflict)
        log.warning("%s gave up after %d lost races", procedure.__name__, ATTEMPTS)
        raise ConcurrentModification("Too many concurrent changes; try again.")

    return run
