"""Table data gateway for ``products``: the catalogue and its stock.

The statements a request runs are built once, at import, with ``bindparam`` for the values
each call supplies: building a SQLAlchemy statement costs several times what running it does
(``benchmarks/latency.py`` measures the difference).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Integer,
    Row,
    Select,
    String,
    Update,
    bindparam,
    case,
    insert,
    select,
    update,
)

from kata.transaction_script.data.money import from_cents, to_cents
from kata.transaction_script.data.tables import products
from kata.transaction_script.records import Product


def insert_product(connection: Connection, product: Product) -> None:
    connection.execute(
        insert(products).values(
            sku=product.sku,
            name=product.name,
            price_cents=to_cents(product.price),
            stock=product.stock,
        )
    )


_FIND = select(products).where(products.c.sku == bindparam("sku"))
_FIND_MANY = select(products).where(products.c.sku.in_(bindparam("skus", expanding=True)))


def find(connection: Connection, sku: str) -> Product | None:
    row = connection.execute(_FIND, {"sku": sku}).first()
    return None if row is None else _product(row)


def find_many(connection: Connection, skus: Iterable[str]) -> dict[str, Product]:
    rows = connection.execute(_FIND_MANY, {"skus": list(skus)})
    return {row.sku: _product(row) for row in rows}


def all_products(connection: Connection) -> list[Product]:
    return [_product(row) for row in connection.execute(select(products).order_by(products.c.sku))]


def rename_and_reprice(
    connection: Connection, sku: str, name: str | None, price: Decimal | None
) -> None:
    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = name
    if price is not None:
        changes["price_cents"] = to_cents(price)
    connection.execute(update(products).where(products.c.sku == sku).values(changes))


def add_stock(connection: Connection, sku: str, quantity: int, cap: int) -> bool:
    """Add ``quantity`` units unless that would take the stock over ``cap``."""
    result = connection.execute(
        update(products)
        .where(products.c.sku == sku, products.c.stock + quantity <= cap)
        .values(stock=products.c.stock + quantity)
    )
    return result.rowcount == 1


# Stock moves for a whole order in ONE statement, whatever its number of lines: a
# transaction script works on sets of rows, not row by row (a statement per line would be
# an N+1). ``CASE sku WHEN 'A1' THEN 2 WHEN 'B2' THEN 5 END`` gives each row its own
# quantity, and a sub-select locks the rows in SKU order (see ``_locked_in_sku_order``).
# Its shape depends on the number of SKUs: one statement per number is built at import.


def reserve(connection: Connection, quantities: Mapping[str, int]) -> list[str]:
    """Take each SKU's quantity out of stock where there are that many; return the SKUs
    that were short (sorted). The caller refuses when any is short, and its rollback
    puts back the units this took from the others (all or nothing).

    The condition ``stock >= quantity`` is checked and applied in the same UPDATE, so two
    concurrent reservations can never both take the last unit: the transaction script's
    best tool. RETURNING names the rows it changed, so the short SKUs come out of the same
    statement (after it ran, a row's stock no longer tells whether it was short).
    """
    taken = connection.scalars(_RESERVING[len(quantities)], _per_sku_values(quantities))
    return sorted(set(quantities) - set(taken))


def release(connection: Connection, quantities: Mapping[str, int]) -> None:
    """Put reserved units back into stock (no cap: P3 limits restocking only)."""
    connection.execute(_RELEASING[len(quantities)], _per_sku_values(quantities))


def _reserving(skus: int) -> Update:
    quantity = _per_sku(skus)
    return (
        update(products)
        .where(products.c.sku.in_(_locked_in_sku_order(skus)))
        .where(products.c.stock >= quantity)
        .values(stock=products.c.stock - quantity)
        .returning(products.c.sku)
    )


def _releasing(skus: int) -> Update:
    quantity = _per_sku(skus)
    return (
        update(products)
        .where(products.c.sku.in_(_locked_in_sku_order(skus)))
        .values(stock=products.c.stock + quantity)
    )


def _per_sku(skus: int) -> ColumnElement[int]:
    """Each row's own quantity, as ``CASE sku WHEN :sku_0 THEN :quantity_0 ... END``."""
    whens: dict[Any, Any] = {
        _sku(n): bindparam(f"quantity_{n}", type_=Integer) for n in range(skus)
    }
    return case(whens, value=products.c.sku)


def _sku(n: int) -> BindParameter[str]:
    # The same parameter in the CASE and in the IN list: an expanding IN would be rendered
    # anew at every call, and the statements are already built for each number of SKUs.
    return bindparam(f"sku_{n}", type_=String)


def _per_sku_values(quantities: Mapping[str, int]) -> dict[str, Any]:
    """The values of the statement's parameters: each SKU with its quantity."""
    values: dict[str, Any] = {}
    for n, (sku, quantity) in enumerate(quantities.items()):
        values[f"sku_{n}"] = sku
        values[f"quantity_{n}"] = quantity
    return values


def _locked_in_sku_order(skus: int) -> Select[tuple[str]]:
    """The SKUs, their rows locked in SKU order before the UPDATE changes them.

    An UPDATE locks rows in whatever order it scans them, and two scripts that lock the
    same products in different orders deadlock. Locking in one order makes them queue.
    (PostgreSQL; SQLite has no row locks, it runs one writer at a time.)
    """
    return (
        select(products.c.sku)
        .where(products.c.sku.in_([_sku(n) for n in range(skus)]))
        .order_by(products.c.sku)
        .with_for_update()
    )


# For every number of SKUs an order may hold: 1 to 20 lines (O1), no more.
_RESERVING = {skus: _reserving(skus) for skus in range(1, 21)}
_RELEASING = {skus: _releasing(skus) for skus in range(1, 21)}


def _product(row: Row[tuple[object, ...]]) -> Product:
    return Product(sku=row.sku, name=row.name, price=from_cents(row.price_cents), stock=row.stock)
