"""The SQL adapter locks the products a use case asks for with ``lock=True`` (PostgreSQL only).

Placing an order asks for its products so (``get_many(lock=True)``): many clients placing
orders for the same few products then wait for each other's rows instead of losing on the
version check at commit and running again. SQLite drops ``FOR UPDATE`` and runs one writer
at a time anyway, so there is nothing to see there.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.exc import OperationalError

from kata.hexagonal.adapters.outbound.sqlalchemy.database import Database
from kata.hexagonal.adapters.outbound.sqlalchemy.repositories import SqlProductRepository
from kata.hexagonal.adapters.outbound.sqlalchemy.tables import products
from kata.hexagonal.domain.money import Money
from kata.hexagonal.domain.product import Product
from kata.hexagonal.domain.values import Sku
from tests.backends import LOCK_NOT_AVAILABLE, fresh_postgres_or_skip, lock_row_now


@pytest.fixture
def postgres() -> Iterator[Database]:
    with fresh_postgres_or_skip() as url:
        opened = Database(url)
        try:
            opened.create_schema()
            with opened.engine.begin() as connection:
                repository = SqlProductRepository(connection)
                for code in ("LOCKED", "FREE"):
                    repository.add(Product(Sku(code), code.title(), Money.of("2.50"), 10))
                repository.save_changes()
            yield opened
        finally:
            opened.close()


def test_products_loaded_with_lock_stay_locked_until_the_transaction_ends(
    postgres: Database,
) -> None:
    with postgres.engine.connect() as placing:
        SqlProductRepository(placing).get_many([Sku("LOCKED")], lock=True)
        with pytest.raises(OperationalError) as refused:
            lock_row_now(postgres.engine, products.c.sku, "LOCKED")
        assert getattr(refused.value.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE
        lock_row_now(postgres.engine, products.c.sku, "FREE")  # only the products it asked for
        placing.rollback()
    lock_row_now(postgres.engine, products.c.sku, "LOCKED")


def test_products_loaded_without_lock_leave_rivals_free(postgres: Database) -> None:
    with postgres.engine.connect() as reading:
        SqlProductRepository(reading).get_many([Sku("LOCKED")])
        lock_row_now(postgres.engine, products.c.sku, "LOCKED")
