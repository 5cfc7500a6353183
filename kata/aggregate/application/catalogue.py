"""Use cases of the catalogue: register, list, show, change and restock products."""

from __future__ import annotations

from decimal import Decimal

from kata.aggregate.application.ports import UnitOfWork
from kata.aggregate.application.unit import use_case
from kata.aggregate.application.views import ProductView, product_view
from kata.aggregate.domain.errors import DuplicateSku, NotFound
from kata.aggregate.domain.money import Money
from kata.aggregate.domain.product import Product
from kata.aggregate.domain.values import Quantity, Sku


@use_case
def register_product(
    uow: UnitOfWork, sku: str, name: str, price: Decimal, stock: int
) -> ProductView:
    if uow.products.get(Sku(sku)) is not None:  # rule: P2
        raise DuplicateSku(f"A product with SKU {sku} is already registered.")
    product = Product(Sku(sku), name, Money(price), stock)
    uow.products.add(product)
    uow.commit()
    return product_view(product)


@use_case
def list_products(uow: UnitOfWork) -> list[ProductView]:
    return [product_view(product) for product in uow.products.all()]


@use_case
def get_product(uow: UnitOfWork, sku: str) -> ProductView:
    return product_view(_product(uow, sku))


@use_case
def change_product(
    uow: UnitOfWork, sku: str, name: str | None, price: Decimal | None
) -> ProductView:
    product = _product(uow, sku)
    if name is not None:
        product.rename(name)
    if price is not None:
        product.reprice(Money(price))
    uow.commit()
    return product_view(product)


@use_case
def restock(uow: UnitOfWork, sku: str, quantity: int) -> ProductView:
    product = _product(uow, sku)
    product.restock(Quantity(quantity))
    uow.commit()
    return product_view(product)


def _product(uow: UnitOfWork, sku: str) -> Product:
    product = uow.products.get(Sku(sku))
    if product is None:
        raise NotFound(f"No product with SKU {sku}.")
    return product
