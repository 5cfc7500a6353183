"""Table data gateway for ``products``: the catalogue and its stock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from sqlalchemy import ColumnElement, Connection, Row, Select, case, insert, select, update

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


def find(connection: Connection, sku: str) -> Product | None:
    row = connection.execute(select(products).where(products.c.sku == sku)).first()
    return None if row is None else _product(row)


def find_many(connection: Connection, skus: Iterable[str]) -> dict[str, Product]:
    rows = connection.execute(select(products).where(products.c.sku.in_(list(skus))))
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


def reserve(connection: Connection, quantities: Mapping[str, int]) -> list[str]:
    """Take each SKU's quantity out of stock where there are that many; return the SKUs
    that were short (sorted). The caller refuses when any is short, and its rollback
    puts back the units this took from the others (all or nothing).

    The condition ``stock >= quantity`` is checked and applied in the same UPDATE, so two
    concurrent reservations can never both take the last unit: the transaction script's
    best tool. RETURNING names the rows it changed, so the short SKUs come out of the same
    statement (after it ran, a row's stock no longer tells whether it was short).
    """
    quantity = _per_sku(quantities)
    taken = connection.scalars(
        update(products)
        .where(products.c.sku.in_(_locked_in_sku_order(quantities)))
        .where(products.c.stock >= quantity)
        .values(stock=products.c.stock - quantity)
        .returning(products.c.sku)
    )
    return sorted(set(quantities) - set(taken))


def release(connection: Connection, quantities: Mapping[str, int]) -> None:
    """Put reserved units back into stock (no cap: P3 limits restocking only)."""
    quantity = _per_sku(quantities)
    connection.execute(
        update(products)
        .where(products.c.sku.in_(_locked_in_sku_order(quantities)))
        .values(stock=products.c.stock + quantity)
    )


def _per_sku(quantities: Mapping[str, int]) -> ColumnElement[int]:
    """Each row's own quantity, as ``CASE sku WHEN ... THEN ... END``."""
    return case(dict(quantities), value=products.c.sku)


def _locked_in_sku_order(skus: Iterable[str]) -> Select[tuple[str]]:
    """``skus``, their rows locked in SKU order before the UPDATE changes them.

    An UPDATE locks rows in whatever order it scans them, and two scripts that lock the
    same products in different orders deadlock. Locking in one order makes them queue.
    (PostgreSQL; SQLite has no row locks, it runs one writer at a time.)
    """
    return (
        select(products.c.sku)
        .where(products.c.sku.in_(list(skus)))
        .order_by(products.c.sku)
        .with_for_update()
    )


def _product(row: Row[tuple[object, ...]]) -> Product:
    return Product(sku=row.sku, name=row.name, price=from_cents(row.price_cents), stock=row.stock)
