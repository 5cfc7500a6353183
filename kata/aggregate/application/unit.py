"""``@use_case``: each run gets its own unit of work; a stale write runs it again."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from kata.aggregate.application.errors import ConcurrentModification
from kata.aggregate.application.ports import Conflict, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# Runs in all, the first included: a run that lost a race starts again on fresh data.
ATTEMPTS = 5


def use_case(
    procedure: Callable[Concatenate[UnitOfWork, P], T],
) -> Callable[Concatenate[UnitOfWorkFactory, P], T]:
    @functools.wraps(procedure)
    def run(units: UnitOfWorkFactory, /, *args: P.args, **kwargs: P.kwargs) -> T:
        for _ in range(ATTEMPTS):
            try:
                with units() as uow:
                    return procedure(uow, *args, **kwargs)
            except Conflict as conflict:
                log.info("%s lost a race: %s", procedure.__name__, conflict)
        log.warning("%s gave up after %d lost races", procedure.__name__, ATTEMPTS)
        raise ConcurrentModification("Too many concurrent changes; try again.")

    return run
