"""``@use_case``: each run gets its own unit of work, rolled back unless the use case commits."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from kata.domain_model.persistence.database import Database, lost_a_race
from kata.domain_model.persistence.unit_of_work import UnitOfWork
from kata.domain_model.services.errors import ConcurrentModification

P = ParamSpec("P")
T = TypeVar("T")

# Runs in all, the first included: a run that lost a race starts again on fresh data.
ATTEMPTS = 5


def use_case(
    procedure: Callable[Concatenate[UnitOfWork, P], T],
) -> Callable[Concatenate[Database, P], T]:
    @functools.wraps(procedure)
    def run(database: Database, /, *args: P.args, **kwargs: P.kwargs) -> T:
        for _ in range(ATTEMPTS):
            with database.session() as session:
                try:
                    return procedure(UnitOfWork(session), *args, **kwargs)
                except Exception as error:
                    session.rollback()
                    if not lost_a_race(error):
                        raise
        raise ConcurrentModification("Too many concurrent changes; try again.")

    return run
