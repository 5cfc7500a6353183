"""A use case that loses every race (spec section 6): run again, at most ``ATTEMPTS`` runs in
all, then refused with 409 ``concurrent-modification``, whose problem detail says to try again
in the same words in every variant.

The shared suite cannot stage this: its races rarely lose even once, and never eight times in
a row. Each variant keeps its retry in a module of its own (a decorator, a function); here
each runs a use case whose every run is overtaken by a rival, without a database and without
the pauses between runs. Each case wraps its use case in the variant's retry as it runs, not
at import, so that the retry's code is what it is then: a mutation run switches a mutant on
after the variant's own use cases were decorated at import, which keep the original.
(event_sourced's ``command`` has its case in ``tests/event_sourced/test_store.py``.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy.orm.exc import StaleDataError

from kata.aggregate.application import errors as aggregate_errors
from kata.aggregate.application import ports as aggregate_ports
from kata.aggregate.application import unit as aggregate_unit
from kata.domain_model.services import errors as domain_model_errors
from kata.domain_model.services import unit as domain_model_unit
from kata.hexagonal.application.ports import errors as hexagonal_errors
from kata.hexagonal.application.ports import outbound as hexagonal_ports
from kata.hexagonal.application.services import unit as hexagonal_unit
from kata.microservices.ordering.application import errors as microservices_errors
from kata.microservices.ordering.application import ports as microservices_ports
from kata.microservices.ordering.application import use_cases as microservices_use_cases
from kata.transaction_script.data import database as transaction_script_database
from kata.transaction_script.services import errors as transaction_script_errors
from kata.transaction_script.services import transaction

Runs = list[object]


def _transaction_script(runs: Runs) -> None:
    class Overtaken:
        """A database whose every transaction loses its race."""

        def run(self, work: Callable[[object], object]) -> object:
            runs.append(work)
            raise transaction_script_database.Conflict("a rival committed first")

    @transaction.script
    def script(connection: Any) -> None: ...

    script(Overtaken())  # type: ignore[arg-type]


def _domain_model(runs: Runs) -> None:
    class Session:
        def rollback(self) -> None: ...

    class Database:
        def session(self) -> nullcontext[Session]:
            return nullcontext(Session())

    @domain_model_unit.use_case
    def use_case(uow: Any) -> None:
        runs.append(uow)
        raise StaleDataError("a rival saved the row first")  # the version check failed

    use_case(Database())  # type: ignore[arg-type]


def _overtaken(conflict: type[Exception], runs: Runs) -> Callable[[], Any]:
    """A unit-of-work factory whose every unit loses its race as it commits."""

    @contextmanager
    def unit() -> Iterator[object]:
        runs.append(unit)
        yield object()
        raise conflict("a rival committed first")

    return unit


def _aggregate(runs: Runs) -> None:
    @aggregate_unit.use_case
    def use_case(uow: Any) -> None: ...

    use_case(_overtaken(aggregate_ports.Conflict, runs))


def _hexagonal(runs: Runs) -> None:
    units = _overtaken(hexagonal_ports.Conflict, runs)
    hexagonal_unit.in_unit_of_work(units, lambda uow: None)


def _microservices(runs: Runs) -> None:
    @microservices_use_cases.use_case
    def use_case(services: Any) -> None:
        runs.append(services)
        raise microservices_ports.Conflict("a saga is already in flight for the order")

    use_case(object())  # type: ignore[arg-type]  # it never gets to use its services


# Each variant's retry module, a run of a use case that always loses, and its refusal.
VARIANTS: dict[str, tuple[ModuleType, Callable[[Runs], None], type[Exception]]] = {
    "transaction_script": (
        transaction,
        _transaction_script,
        transaction_script_errors.ConcurrentModification,
    ),
    "domain_model": (domain_model_unit, _domain_model, domain_model_errors.ConcurrentModification),
    "aggregate": (aggregate_unit, _aggregate, aggregate_errors.ConcurrentModification),
    "hexagonal": (hexagonal_unit, _hexagonal, hexagonal_errors.ConcurrentModification),
    "microservices": (
        microservices_use_cases,
        _microservices,
        microservices_errors.ConcurrentModification,
    ),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_use_case_that_loses_every_race_gives_up_with_a_concurrent_modification(
    variant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, run_always_overtaken, refusal = VARIANTS[variant]
    monkeypatch.setattr(module, "FIRST_PAUSE_SECONDS", 0.0)  # no pause: the races are staged
    runs: Runs = []

    with pytest.raises(refusal) as refused:
        run_always_overtaken(runs)

    assert len(runs) == module.ATTEMPTS
    assert getattr(refused.value, "code", None) == "concurrent-modification"
    # The spec asks only for a string; every variant words it the same (its own tests pin it).
    assert getattr(refused.value, "detail", None) == "Too many concurrent changes; try again."
    assert str(refused.value) == "Too many concurrent changes; try again."  # what a log shows


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_each_run_after_a_lost_race_waits_a_random_pause_of_up_to_twice_the_last(
    variant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jittered exponential backoff: no pause before the first run; before the next ones, a
    random pause between 0 and FIRST_PAUSE_SECONDS, doubled at every run, so rivals that
    collided spread out instead of colliding again at once. (Drawn at its upper bound here.)"""
    module, run_always_overtaken, refusal = VARIANTS[variant]
    drawn: list[tuple[float, float]] = []
    slept: list[float] = []

    def uniform(low: float, high: float) -> float:
        drawn.append((low, high))
        return high

    monkeypatch.setattr(module.random, "uniform", uniform)
    monkeypatch.setattr(module.time, "sleep", slept.append)
    with pytest.raises(refusal):
        run_always_overtaken([])

    first = module.FIRST_PAUSE_SECONDS
    assert drawn == [(0, first * 2**run) for run in range(module.ATTEMPTS - 1)]
    assert slept == [high for _, high in drawn]
