"""Stock is written set-based: one versioned ``UPDATE`` for all the products a flush changes.

The ORM would write each versioned product on its own; ``persistence/stock.py`` writes them in
one statement under the same optimistic lock. These tests use a real database (SQLite, and
PostgreSQL when ``KATA_TEST_POSTGRES_URL`` is set). SQLite runs one writer at a time, so a
stale write is staged in sequence: one session reads and ends its transaction, a rival
commits, then the first session writes what it read.

On the same database, the order repository's count of a customer's orders in a status: the
figure O6 decides on.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm.exc import StaleDataError

from kata.compare.cost import counting_statements
from kata.domain_model.domain.order import OrderStatus
from kata.domain_model.domain.product import Product
from kata.domain_model.domain.values import Quantity
from kata.domain_model.persistence.database import Database, lost_a_race
from kata.domain_model.persistence.repositories import OrderRepository, ProductRepository
from kata.domain_model.services import catalogue, ordering
from tests.backends import backends, fresh_database

SKUS = ["STOCK-A", "STOCK-B", "STOCK-C"]


@pytest.fixture(params=backends())
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with fresh_database(request.param, tmp_path) as url:
        opened = Database(url)
        try:
            opened.create_schema()
            for sku in SKUS:
                catalogue.register_product(opened, sku, "Stocked", Decimal("2.50"), 5)
            yield opened
        finally:
            opened.close()


def _stock_and_version(database: Database) -> list[tuple[int, int]]:
    with database.session() as session:
        found = ProductRepository(session).get_many(SKUS)
        return [(found[sku].stock, found[sku]._version) for sku in SKUS]


def test_a_flush_writes_the_stock_of_many_products_in_one_update(database: Database) -> None:
    with database.session() as session, counting_statements() as log:
        for product in ProductRepository(session).get_many(SKUS).values():
            product.release(Quantity(2))
        session.commit()

    updates = [statement for statement in log.statements if statement.startswith("UPDATE")]
    assert len(updates) == 1, updates
    assert _stock_and_version(database) == [(7, 2), (7, 2), (7, 2)]


def test_one_product_written_by_a_rival_refuses_the_whole_batch(database: Database) -> None:
    with database.session() as session:
        stale = ProductRepository(session).get_many(SKUS)
        session.commit()  # the read is over; the entities keep what they read

        catalogue.restock(database, "STOCK-B", 1)  # the rival: STOCK-B moves on to version 2

        for product in stale.values():
            product.reserve(Quantity(5))  # all 5 units, as far as this session knows
        with pytest.raises(StaleDataError) as refused:
            session.flush()
        session.rollback()

    assert lost_a_race(refused.value)  # so the use case runs again on fresh data
    assert _stock_and_version(database) == [(5, 1), (6, 2), (5, 1)]  # only the rival's write


def test_other_changes_to_a_product_are_written_after_its_stock(database: Database) -> None:
    """The ORM writes the rest with the version the stock write left, and checks it."""
    with database.session() as session:
        product = ProductRepository(session).get("STOCK-A")
        assert isinstance(product, Product)
        product.reserve(Quantity(1))
        product.rename("Renamed")
        session.commit()

    assert catalogue.get_product(database, "STOCK-A").name == "Renamed"
    assert _stock_and_version(database)[0] == (4, 3)  # two writes, each bumping the version


# --- the order repository's count (O6) -------------------------------------------------------


def test_o6_the_count_is_of_one_customers_orders_in_one_status(database: Database) -> None:
    """O6: a customer's unpaid orders are counted, and no one else's; none counts 0."""
    for _ in range(2):
        ordering.place_order(database, "counted", {"STOCK-A": 1})
    with database.session() as session:
        orders = OrderRepository(session)
        assert orders.count("counted", OrderStatus.PENDING_PAYMENT) == 2
        assert orders.count("counted", OrderStatus.PAID) == 0
        assert orders.count("nobody", OrderStatus.PENDING_PAYMENT) == 0
