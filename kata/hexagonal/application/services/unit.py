"""One unit of work per use-case run; a run whose optimistic write lost a race starts again."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from kata.hexagonal.application.ports.errors import ConcurrentModification
from kata.hexagonal.application.ports.outbound import Conflict, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

T = TypeVar("T")

# Runs in all, the first included: a run that lost a race starts again on fresh data.
ATTEMPTS = 8
# Before each new run, a random pause of up to this long, doubled at every run (jittered
# exponential backoff): rivals that collided spread out instead of colliding again at once.
FIRST_PAUSE_SECONDS = 0.010


def _pause_before(attempt: int) -> None:
    if attempt:
        time.sleep(random.uniform(0, FIRST_PAUSE_SECONDS * 2 ** (attempt - 1)))


def in_unit_of_work(units: UnitOfWorkFactory, work: Callable[[UnitOfWork], T]) -> T:
    for attempt in range(ATTEMPTS):
        _pause_before(attempt)
        try:
            with units() as uow:
                return work(uow)
        except Conflict as conflict:
            log.info("a use case lost a race: %s", conflict)
    log.warning("a use case gave up after %d lost races", ATTEMPTS)
    raise ConcurrentModification("Too many concurrent changes; try again.")
