"""The SQLAlchemy adapter's set-based versioned write, on every SQL backend (a SQLite file,
and PostgreSQL when ``KATA_TEST_POSTGRES_URL`` names a server).

The contract suite shows one stale product refusing a whole commit on the adapters whose
units of work interleave. SQLite never lets two interleave (``BEGIN IMMEDIATE``), so there a
product can only be overtaken from inside the transaction that loaded it. These tests do
that, below the ports, on both drivers: the refusal rests on the driver adding up the rows
every execution of one ``executemany`` matched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, event, update
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

from kata.hexagonal.adapters.outbound.sqlalchemy.database import Database
from kata.hexagonal.adapters.outbound.sqlalchemy.repositories import SqlProductRepository
from kata.hexagonal.adapters.outbound.sqlalchemy.tables import products
from kata.hexagonal.application.ports.outbound import Conflict
from kata.hexagonal.domain.money import Money
from kata.hexagonal.domain.product import Product
from kata.hexagonal.domain.values import Quantity, Sku
from tests.backends import backends, fresh_database

SKUS = [Sku(f"SKU-{n:02d}") for n in range(1, 21)]


@pytest.fixture(params=backends())
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A schema holding 20 products of stock 100, each at version 1."""
    with fresh_database(request.param, tmp_path) as url:
        opened = Database(url)
        try:
            opened.create_schema()
            with opened.engine.begin() as connection:
                repository = SqlProductRepository(connection)
                for sku in SKUS:
                    repository.add(Product(sku, f"Product {sku}", Money.of("1.00"), 100))
                repository.save_changes()
            yield opened
        finally:
            opened.close()


def stock_and_versions(database: Database) -> list[tuple[int, int]]:
    with database.engine.connect() as connection:
        loaded = SqlProductRepository(connection).get_many(SKUS)
    return [(loaded[sku].stock, loaded[sku].version) for sku in SKUS]


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements the engine sends inside the block (an ``executemany`` once)."""
    sent: list[str] = []

    def record(*args: object) -> None:
        sent.append(str(args[2]))  # (connection, cursor, statement, ...)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def overtake(connection: Connection, sku: Sku) -> None:
    """What a concurrent unit that saved ``sku`` first would leave: its version moved on."""
    connection.execute(
        update(products).where(products.c.sku == sku.code).values(version=products.c.version + 1)
    )


def test_every_changed_product_is_saved_by_one_statement(database: Database) -> None:
    with database.engine.begin() as connection:
        repository = SqlProductRepository(connection)
        for product in repository.get_many(SKUS).values():
            product.reserve(Quantity(1))
        with statements(database) as sent:
            repository.save_changes()

    assert [statement.split()[0] for statement in sent] == ["UPDATE"]
    assert stock_and_versions(database) == [(99, 2)] * len(SKUS)


@pytest.mark.parametrize("overtaken", [SKUS[0], SKUS[9], SKUS[-1]], ids=str)
def test_one_overtaken_product_refuses_the_whole_write(database: Database, overtaken: Sku) -> None:
    with database.engine.connect() as connection:  # left without commit: rolled back
        connection.begin()
        repository = SqlProductRepository(connection)
        loaded = repository.get_many(SKUS)
        overtake(connection, overtaken)
        for product in loaded.values():
            product.release(Quantity(1))
        with pytest.raises(Conflict, match="Product: 1 of 20 changed"):
            repository.save_changes()
        assert {product.version for product in loaded.values()} == {1}  # as loaded, still

    assert stock_and_versions(database) == [(100, 1)] * len(SKUS)


def test_a_driver_that_cannot_count_executemany_rows_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(SQLiteDialect_pysqlite, "supports_sane_multi_rowcount", False)

    with pytest.raises(ValueError, match="cannot count"):
        Database(f"sqlite:///{tmp_path / 'kata.sqlite3'}")
