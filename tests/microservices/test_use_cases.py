"""The ordering service's use cases and saga on their own database, with the inventory port
played by a test double that answers, refuses or fails each hold as the test says.

What this pins, the shared suite cannot: the whole words of the use cases' own refusals (the
contract fixes only that a problem's detail is a string), and what the saga tells the operator
when it has to leave a saga in the log for recovery (the log is the only record of it).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kata.microservices.ordering.adapters.sql.unit_of_work import SqlUnitOfWork, ordering_database
from kata.microservices.ordering.application import sagas, use_cases
from kata.microservices.ordering.application.errors import IdempotencyKeyReuse
from kata.microservices.ordering.application.ports import (
    InventoryUnavailable,
    InventoryUncertain,
    Saga,
)
from kata.microservices.ordering.application.sagas import Services
from kata.microservices.ordering.application.use_cases import Idempotency
from kata.microservices.ordering.domain.errors import InsufficientStock, UnknownProduct
from kata.microservices.ordering.domain.money import Money
from tests.microservices.shop import logged

PRICES = {"SKU-A": Money.of("2.50"), "SKU-B": Money.of("4.00")}


class ScriptedInventory:
    """The ``Inventory`` port in memory: today's prices of ``PRICES``; each hold recorded, and
    answered by the next of ``outcomes`` (an exception to raise), or taken once none is left."""

    def __init__(self) -> None:
        self.holds: list[tuple[str, int, dict[str, int]]] = []
        self.outcomes: list[Exception] = []

    def prices(self, skus: Iterable[str]) -> dict[str, Money]:
        return {sku: PRICES[sku] for sku in skus if sku in PRICES}

    def hold(self, reservation: str, version: int, lines: Mapping[str, int]) -> None:
        self.holds.append((reservation, version, dict(lines)))
        if self.outcomes:
            raise self.outcomes.pop(0)

    def withdraw(self, write: str) -> bool:
        return True


@pytest.fixture
def inventory() -> ScriptedInventory:
    return ScriptedInventory()


@pytest.fixture
def services(tmp_path: Path, inventory: ScriptedInventory) -> Iterator[Services]:
    database = ordering_database(f"sqlite:///{tmp_path / 'ordering.sqlite3'}")
    try:
        yield Services(functools.partial(SqlUnitOfWork, database), inventory)
    finally:
        database.close()


def _sagas(services: Services) -> list[Saga]:
    with services.units() as uow:
        return uow.sagas.stale(datetime.now(UTC) + timedelta(days=1))


# --- the use cases' own refusals, word for word ------------------------------------------------


def test_placing_a_product_inventory_does_not_price_is_refused_naming_it(
    services: Services, inventory: ScriptedInventory
) -> None:
    """O3: a SKU missing from inventory's quote is unknown; nothing is held."""
    with pytest.raises(UnknownProduct) as refused:
        use_cases.place_order(services, "customer-1", {"SKU-A": 1, "NOPE-2": 1, "NOPE-1": 2})

    assert refused.value.detail == str(refused.value) == "Some products are not in the catalogue."
    assert refused.value.skus == ["NOPE-1", "NOPE-2"]
    assert inventory.holds == []


def test_an_idempotency_key_sent_again_with_another_request_is_refused(
    services: Services,
) -> None:
    """O12: the key answers its own request again, and refuses any other."""
    placed = use_cases.place_order(services, "c", {"SKU-A": 1}, Idempotency("key-1", "first"))
    assert use_cases.place_order(services, "c", {"SKU-A": 1}, Idempotency("key-1", "first")) == (
        placed
    )

    with pytest.raises(IdempotencyKeyReuse) as refused:
        use_cases.place_order(services, "c", {"SKU-A": 2}, Idempotency("key-1", "second"))

    message = "This Idempotency-Key was used with another request."
    assert refused.value.detail == str(refused.value) == message


# --- a saga left in the log for recovery: the operator is told which, and why ------------------


def test_a_compensation_inventory_does_not_answer_is_left_for_recovery_and_logged(
    services: Services, inventory: ScriptedInventory, caplog: pytest.LogCaptureFixture
) -> None:
    """The hold's answer is lost, and inventory is down for its compensation too: the request
    fails with what failed it, the saga stays in the log, and a warning names its order."""
    lost = InventoryUncertain("the hold's answer was lost")
    inventory.outcomes = [lost, InventoryUnavailable("inventory is down")]

    with (
        caplog.at_level(logging.WARNING, logger=sagas.log.name),
        pytest.raises(InventoryUncertain) as failed,
    ):
        use_cases.place_order(services, "customer-1", {"SKU-A": 2})

    assert failed.value is lost
    [(order_id, _, _), undo] = inventory.holds
    assert undo[0] == order_id
    assert [saga.order_id for saga in _sagas(services)] == [order_id]
    assert logged(caplog, sagas.log) == [
        (logging.WARNING, f"saga of {order_id} left for recovery: inventory is down")
    ]


def test_a_compensation_inventory_refuses_is_left_for_recovery_to_complete_and_logged(
    services: Services, inventory: ScriptedInventory, caplog: pytest.LogCaptureFixture
) -> None:
    """A cancellation's hold gave the units back and its answer was lost; by the time it is
    compensated the units are sold, so inventory refuses to hold them again. The request fails
    with what failed it, not with the compensation's refusal; the saga is left for recovery to
    complete, and a warning names its order and the refusal's words."""
    placed = use_cases.place_order(services, "customer-1", {"SKU-A": 2})
    lost = InventoryUncertain("the hold's answer was lost")
    sold = InsufficientStock("Not enough stock for every line.", ["SKU-A"])
    inventory.outcomes = [lost, sold]

    with (
        caplog.at_level(logging.WARNING, logger=sagas.log.name),
        pytest.raises(InventoryUncertain) as failed,
    ):
        use_cases.cancel_order(services, placed.id)

    assert failed.value is lost
    assert [saga.order_id for saga in _sagas(services)] == [placed.id]
    assert logged(caplog, sagas.log) == [
        (
            logging.WARNING,
            f"saga of {placed.id} left for recovery to complete: Not enough stock for every line.",
        )
    ]
