"""Inventory's storage: products, reservations and forwarded writes, each request in one
transaction of its own.

Products are loaded with ``FOR UPDATE`` (in SKU order, so two transactions never deadlock)
when stock moves: a rival reservation of the same product waits instead of overselling.
SQLite ignores it; its ``BEGIN IMMEDIATE`` runs one writer at a time anyway. A catalogue
write sent with a request id is kept in ``mi_writes`` in the same transaction as the change:
sent again, it is answered from there; withdrawn, it is undone there or stands.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from kata.microservices.chassis.database import Database, lost_a_race
from kata.microservices.inventory.stock import (
    DuplicateSku,
    NotFound,
    Product,
    Stands,
    Write,
    WriteWithdrawn,
    check_moves,
    moves,
    withdrawn,
)
from kata.microservices.inventory.tables import products, reservations, writes

_PRODUCTS = select(products).where(products.c.sku.in_(bindparam("skus", expanding=True)))
_PRODUCTS_LOCKED = _PRODUCTS.order_by(products.c.sku).with_for_update()
_RESERVATION = (
    select(reservations).where(reservations.c.id == bindparam("reservation")).with_for_update()
)
_MOVE = (
    update(products)
    .where(products.c.sku == bindparam("moved"))
    .values(stock=products.c.stock - bindparam("units"), version=products.c.version + 1)
)
_SAVE_PRODUCT = (
    update(products)
    .where(products.c.sku == bindparam("changed"))
    .values(
        name=bindparam("name"),
        price_cents=bindparam("price_cents"),
        stock=bindparam("stock"),
        version=bindparam("version"),
    )
)
_WRITE = select(writes).where(writes.c.id == bindparam("request")).with_for_update()
APPLIED, WITHDRAWN, STANDS = "APPLIED", "WITHDRAWN", "STANDS"


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

    def register(self, product: Product, request: str | None = None) -> Write:
        with self._transaction() as connection:
            if (done := _sent_before(connection, request)) is not None:
                return done
            if _load(connection, [product.sku]):  # rule: P2
                raise DuplicateSku(f"A product with SKU {product.sku} is already registered.")
            connection.execute(insert(products).values(**vars(product)))
            return _keep(connection, request, Write("register", None, product))

    def product(self, sku: str) -> Product:
        with self._transaction() as connection:
            return _one(connection, sku)

    def catalogue(self) -> list[Product]:
        with self._transaction() as connection:
            rows = connection.execute(select(products).order_by(products.c.sku))
            return [Product(**row._mapping) for row in rows]

    def change(
        self, sku: str, name: str | None, price_cents: int | None, request: str | None = None
    ) -> Write:
        def changed(found: Product) -> Product:
            return replace(
                found,
                name=found.name if name is None else name,
                price_cents=found.price_cents if price_cents is None else price_cents,  # rule: P4
            )

        return self._rewrite("change", sku, changed, request)

    def restock(self, sku: str, quantity: int, request: str | None = None) -> Write:
        return self._rewrite("restock", sku, lambda found: found.restocked(quantity), request)

    def _rewrite(
        self, kind: str, sku: str, change: Callable[[Product], Product], request: str | None
    ) -> Write:
        with self._transaction() as connection:
            if (done := _sent_before(connection, request)) is not None:
                return done
            found = _one(connection, sku, lock=True)
            changed = _save(connection, change(found))
            return _keep(connection, request, Write(kind, found, changed))

    def withdraw(self, request: str) -> Write | None:
        """Withdraw the write sent as ``request``: None once nothing of it is left (it never
        arrived, and a late copy will be refused; or it is undone), or the write, which
        stands (``stock.withdrawn`` says when). The outcome is final: asked again, the same."""
        with self._transaction() as connection:
            row = connection.execute(_WRITE, {"request": request}).first()
            if row is None:  # a rival inserting the same id at once loses: the caller retries
                connection.execute(insert(writes).values(id=request, state=WITHDRAWN))
                return None
            if row.state == WITHDRAWN:
                return None
            write = _write(row)
            if row.state == APPLIED:
                try:
                    left = withdrawn(write, _one(connection, write.after.sku, lock=True))
                except Stands:
                    _settle(connection, request, STANDS)
                    return write
                if left is None:
                    connection.execute(delete(products).where(products.c.sku == write.after.sku))
                else:
                    _save(connection, left)
                _settle(connection, request, WITHDRAWN)
                return None
            return write

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


def _save(connection: Connection, product: Product) -> Product:
    """Write the product back, a version on; returns it as saved."""
    saved = replace(product, version=product.version + 1)
    connection.execute(
        _SAVE_PRODUCT,
        {
            "changed": saved.sku,
            "name": saved.name,
            "price_cents": saved.price_cents,
            "stock": saved.stock,
            "version": saved.version,
        },
    )
    return saved


def _sent_before(connection: Connection, request: str | None) -> Write | None:
    """The write already applied under this request id (sent again: the same answer), or
    None if there is none; refused if the id was withdrawn."""
    if request is None:
        return None
    row = connection.execute(_WRITE, {"request": request}).first()
    if row is None:
        return None
    if row.state == WITHDRAWN:
        raise WriteWithdrawn(f"The write {request} was withdrawn; it is not applied.")
    return _write(row)


def _keep(connection: Connection, request: str | None, write: Write) -> Write:
    """Keep the write under its request id, in the transaction that makes it. A withdrawal
    of the same id inserting at once makes one of them lose: the caller retries."""
    if request is not None:
        connection.execute(
            insert(writes).values(
                id=request,
                state=APPLIED,
                kind=write.kind,
                before=None if write.before is None else json.dumps(vars(write.before)),
                after=json.dumps(vars(write.after)),
            )
        )
    return write


def _write(row: Any) -> Write:
    before = None if row.before is None else Product(**json.loads(row.before))
    return Write(row.kind, before, Product(**json.loads(row.after)))


def _settle(connection: Connection, request: str, state: str) -> None:
    connection.execute(update(writes).where(writes.c.id == request).values(state=state))


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
