"""Transaction scripts for the catalogue: register, list, show, change and restock products."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection

from kata.transaction_script.data import products
from kata.transaction_script.records import Product
from kata.transaction_script.services.errors import DuplicateSku, NotFound, StockLimitExceeded
from kata.transaction_script.services.transaction import script

STOCK_CAP_AFTER_RESTOCK = 10_000_000


@script
def register_product(
    connection: Connection, sku: str, name: str, price: Decimal, stock: int
) -> Product:
    if products.find(connection, sku) is not None:  # rule: P2
        raise DuplicateSku(f"A product with SKU {sku} is already registered.")
    product = Product(sku=sku, name=name, price=price, stock=stock)
    products.insert_product(connection, product)
    return product


@script
def list_products(connection: Connection) -> list[Product]:
    return products.all_products(connection)


@script
def get_product(connection: Connection, sku: str) -> Product:
    return _existing(connection, sku)


@script
def change_product(
    connection: Connection, sku: str, name: str | None, price: Decimal | None
) -> Product:
    """Rename and/or reprice. Order lines keep their own unit price (P4), so nothing else moves."""
    _existing(connection, sku)
    products.rename_and_reprice(connection, sku, name, price)  # rule: P4
    return _existing(connection, sku)


@script
def restock(connection: Connection, sku: str, quantity: int) -> Product:
    _existing(connection, sku)
    if not products.add_stock(connection, sku, quantity, STOCK_CAP_AFTER_RESTOCK):  # rule: P3
        raise StockLimitExceeded(
            f"Restocking {quantity} would take the stock of {sku} over {STOCK_CAP_AFTER_RESTOCK}."
        )
    return _existing(connection, sku)


def _existing(connection: Connection, sku: str) -> Product:
    product = products.find(connection, sku)
    if product is None:
        raise NotFound(f"No product with SKU {sku}.")
    return product
