"""Placing an order locks its products until its unit of work ends (PostgreSQL only).

Many clients place orders for the same few products at once. Optimistic alone, most of them
lost on the version column at flush and ran again; ``get_many(lock=True)`` makes a rival wait
for the products instead (``SELECT … FOR UPDATE``). SQLite drops ``FOR UPDATE`` and runs one
writer at a time anyway, so there is nothing to see there.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy.exc import OperationalError

from kata.domain_model.domain.product import Product
from kata.domain_model.persistence.database import Database
from kata.domain_model.persistence.repositories import ProductRepository
from kata.domain_model.services import catalogue
from tests.backends import LOCK_NOT_AVAILABLE, fresh_postgres_or_skip, lock_row_now

SKU = Product.__table__.c.sku  # the column a rival locks rows by


@pytest.fixture
def postgres() -> Iterator[Database]:
    with fresh_postgres_or_skip() as url:
        opened = Database(url)
        try:
            opened.create_schema()
            for sku in ("LOCKED", "FREE"):
                catalogue.register_product(opened, sku, sku.title(), Decimal("2.50"), 10)
            yield opened
        finally:
            opened.close()


def test_the_products_a_placement_loads_stay_locked_until_its_session_ends(
    postgres: Database,
) -> None:
    with postgres.session() as placing:
        ProductRepository(placing).get_many(["LOCKED"], lock=True)
        with pytest.raises(OperationalError) as refused:
            lock_row_now(postgres.engine, SKU, "LOCKED")
        assert getattr(refused.value.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE
        lock_row_now(postgres.engine, SKU, "FREE")  # only the products it asked for
    lock_row_now(postgres.engine, SKU, "LOCKED")


def test_products_loaded_without_lock_leave_rivals_free(postgres: Database) -> None:
    with postgres.session() as reading:
        ProductRepository(reading).get_many(["LOCKED"])
        lock_row_now(postgres.engine, SKU, "LOCKED")
