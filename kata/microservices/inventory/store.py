"""Inventory's storage: products and reservations, each request in one transaction of its own.

Products are loaded with ``FOR UPDATE`` (in SKU order, so two transactions never deadlock)
when stock moves: a rival reservation of the same product waits instead of overselling.
SQLite ignores it; its ``BEGIN IMMEDIATE`` runs one writer at a time anyway.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError

from kata.microservices.chassis.database import Database, lost_a_race
from kata.microservices.inventory.stock import (
    DuplicateSku,
    NotFound,
    Product,
    check_moves,
    moves,
)
from kata.microservices.inventory.tables import products, reservations

_PRODUCTS = select(products).where(products.c.sku.in_(bindparam("skus", expanding=True)))
_PRODUCTS_LOCKED = _PRODUCTS.order_by(products.c.sku).with_for_update()
_RESERVATION = (
    select(reservations).where(reservations.c.id == bindparam("reservation")).with_for_update()
)
_MOVE = (
    update(products)
    .where(products.c.sku == bindparam("moved"))
    .values(stock=products.c.stock - bindparam("units"))
)
_SAVE_PRODUCT = (
    update(products)
    .where(products.c.sku == bindparam("changed"))
    .values(name=bindparam("name"), price_cents=bindparam("price_cents"), stock=bindparam("stock"))
)


class Conflict(Exception):
    """A concurrent transaction won a race (the same new SKU, the same new reservation)."""


@dataclass(frozen=True)
class Held:
    """What a reservation holds after a call: units and today's price per SKU."""

    version: int
    lines: dict[str, tuple[int, int]]  # sku -> (units, price in cents)


class Inventory:
    def __init__(self, database: Database) -> None:
        self._database = database

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        try:
            with self._database.engine.begin() as connection:
                yield connection
        except DBAPIError as error:
            if lost_a_race(error):
                raise Conflict(str(error.orig)) from error
            raise

    # --- the catalogue ------------------------------------------------------------------------

    def register(self, product: Product) -> None:
        with self._transaction() as connection:
            if _load(connection, [product.sku]):  # rule: P2
                raise DuplicateSku(f"A product with SKU {product.sku} is already registered.")
            connection.execute(insert(products).values(**vars(product)))

    def product(self, sku: str) -> Product:
        with self._transaction() as connection:
            return _one(connection, sku)

    def catalogue(self) -> list[Product]:
        with self._transaction() as connection:
            rows = connection.execute(select(products).order_by(products.c.sku))
            return [Product(**row._mapping) for row in rows]

    def change(self, sku: str, name: str | None, price_cents: int | None) -> Product:
        with self._transaction() as connection:
            found = _one(connection, sku, lock=True)
            changed = Product(
                sku,
                found.name if name is None else name,
                found.price_cents if price_cents is None else price_cents,  # rule: P4
                found.stock,
            )
            _save(connection, changed)
            return changed

    def restock(self, sku: str, quantity: int) -> Product:
        with self._transaction() as connection:
            changed = _one(connection, sku, lock=True).restocked(quantity)
            _save(connection, changed)
            return changed

    def prices(self, skus: Iterable[str]) -> dict[str, int]:
        """Today's price of each known SKU; unknown SKUs are left out."""
        with self._transaction() as connection:
            return {sku: p.price_cents for sku, p in _load(connection, skus).items()}

    # --- reservations -------------------------------------------------------------------------

    def hold(self, reservation: str, version: int, wanted: dict[str, int]) -> Held:
        """Make the reservation hold ``wanted`` (SKU -> units), if ``version`` is newer than
        the last call's; an older or repeated call changes nothing and answers what it holds.
        Stock moves all or nothing (O3, O9): unknown SKUs and short ones are refused."""
        with self._transaction() as connection:
            row = connection.execute(_RESERVATION, {"reservation": reservation}).first()
            held: dict[str, int] = json.loads(row.lines) if row is not None else {}
            if row is not None and row.version >= version:
                return _held(connection, row.version, held)
            changes = moves(held, wanted)
            check_moves(changes, _load(connection, sorted(changes), lock=True))
            if changes:
                connection.execute(
                    _MOVE,
                    [{"moved": sku, "units": units} for sku, units in sorted(changes.items())],
                )
            _store(connection, reservation, version, wanted, exists=row is not None)
            return _held(connection, version, wanted)


def _load(connection: Connection, skus: Iterable[str], *, lock: bool = False) -> dict[str, Product]:
    rows = connection.execute(_PRODUCTS_LOCKED if lock else _PRODUCTS, {"skus": list(skus)})
    return {row.sku: Product(**row._mapping) for row in rows}


def _one(connection: Connection, sku: str, *, lock: bool = False) -> Product:
    found = _load(connection, [sku], lock=lock)
    if sku not in found:  # rule: P3
        raise NotFound(f"No product with SKU {sku}.")
    return found[sku]


def _save(connection: Connection, product: Product) -> None:
    connection.execute(
        _SAVE_PRODUCT,
        {
            "changed": product.sku,
            "name": product.name,
            "price_cents": product.price_cents,
            "stock": product.stock,
        },
    )


def _store(
    connection: Connection, reservation: str, version: int, wanted: dict[str, int], *, exists: bool
) -> None:
    values = {"version": version, "lines": json.dumps(wanted, sort_keys=True)}
    if exists:
        connection.execute(update(reservations).where(reservations.c.id == reservation), values)
    else:
        # A rival inserting the same reservation at once loses here: the caller retries.
        connection.execute(insert(reservations).values(id=reservation, **values))


def _held(connection: Connection, version: int, lines: dict[str, int]) -> Held:
    prices = {sku: p.price_cents for sku, p in _load(connection, lines).items()}
    return Held(version, {sku: (units, prices[sku]) for sku, units in lines.items()})
