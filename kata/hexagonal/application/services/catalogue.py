"""The ``Catalogue`` inbound port: register, list, show, change and restock products."""

from __future__ import annotations

from kata.hexagonal.application.ports.inbound import (
    ChangeProduct,
    ProductView,
    RegisterProduct,
    Restock,
)
from kata.hexagonal.application.ports.outbound import UnitOfWork, UnitOfWorkFactory
from kata.hexagonal.application.services.unit import in_unit_of_work
from kata.hexagonal.application.services.views import product_view
from kata.hexagonal.domain.errors import DuplicateSku, NotFound
from kata.hexagonal.domain.money import Money
from kata.hexagonal.domain.product import Product
from kata.hexagonal.domain.values import Quantity, Sku


class CatalogueService:
    def __init__(self, units: UnitOfWorkFactory) -> None:
        self._units = units

    def register(self, command: RegisterProduct) -> ProductView:
        def work(uow: UnitOfWork) -> ProductView:
            if uow.products.get(Sku(command.sku)) is not None:  # rule: P2
                raise DuplicateSku(f"A product with SKU {command.sku} is already registered.")
            product = Product(Sku(command.sku), command.name, Money(command.price), command.stock)
            uow.products.add(product)
            uow.commit()
            return product_view(product)

        return in_unit_of_work(self._units, work)

    def list(self) -> list[ProductView]:
        return in_unit_of_work(
            self._units, lambda uow: [product_view(p) for p in uow.products.all()]
        )

    def get(self, sku: str) -> ProductView:
        return in_unit_of_work(self._units, lambda uow: product_view(_product(uow, sku)))

    def change(self, command: ChangeProduct) -> ProductView:
        def work(uow: UnitOfWork) -> ProductView:
            product = _product(uow, command.sku)
            if command.name is not None:
                product.rename(command.name)
            if command.price is not None:
                product.reprice(Money(command.price))
            uow.commit()
            return product_view(product)

        return in_unit_of_work(self._units, work)

    def restock(self, command: Restock) -> ProductView:
        def work(uow: UnitOfWork) -> ProductView:
            product = _product(uow, command.sku)
            product.restock(Quantity(command.quantity))
            uow.commit()
            return product_view(product)

        return in_unit_of_work(self._units, work)


def _product(uow: UnitOfWork, sku: str) -> Product:
    product = uow.products.get(Sku(sku))
    if product is None:
        raise NotFound(f"No product with SKU {sku}.")
    return product
