"""Table data gateway for ``products``: the catalogue and its stock."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import Connection, Row, insert, select, update

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


def reserve(connection: Connection, sku: str, quantity: int) -> bool:
    """Take ``quantity`` units out of stock if there are that many; False if short.

    One conditional UPDATE checks and changes at once, so two concurrent reservations
    can never both take the last unit: the transaction script's best tool.
    """
    result = connection.execute(
        update(products)
        .where(products.c.sku == sku, products.c.stock >= quantity)
        .values(stock=products.c.stock - quantity)
    )
    return result.rowcount == 1


def release(connection: Connection, sku: str, quantity: int) -> None:
    """Put ``quantity`` reserved units back into stock (no cap: P3 limits restocking only)."""
    connection.execute(
        update(products).where(products.c.sku == sku).values(stock=products.c.stock + quantity)
    )


def _product(row: Row[tuple[object, ...]]) -> Product:
    return Product(sku=row.sku, name=row.name, price=from_cents(row.price_cents), stock=row.stock)
