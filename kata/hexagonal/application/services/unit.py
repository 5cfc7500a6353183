"""One unit of work per use-case run; a run whose optimistic write lost a race starts again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from kata.hexagonal.application.ports.errors import ConcurrentModification
from kata.hexagonal.application.ports.outbound import Conflict, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

T = TypeVar("T")

# Runs in all, the first included: a run that lost a race starts again on fresh data.
ATTEMPTS = 5


def in_unit_of_work(units: UnitOfWorkFactory, work: Callable[[UnitOfWork], T]) -> T:
    for _ in range(ATTEMPTS):
        try:
            with units() as uow:
                return work(uow)
        except Conflict as conflict:
            log.info("a use case lost a race: %s", conflict)
    log.warning("a use case gave up after %d lost races", ATTEMPTS)
    raise ConcurrentModification("Too many concurrent changes; try again.")
