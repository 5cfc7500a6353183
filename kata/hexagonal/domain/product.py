"""The ``Product`` aggregate: its root guards the product's stock (P1, P3, P4, O3, O8)."""

from __future__ import annotations

from kata.hexagonal.domain.errors import InsufficientStock, StockLimitExceeded
from kata.hexagonal.domain.money import Money
from kata.hexagonal.domain.values import Quantity, Sku

STOCK_CAP_AFTER_RESTOCK = 10_000_000


class Product:
    """Aggregate root. ``version`` is the version it was loaded at (0: never saved)."""

    def __init__(self, sku: Sku, name: str, price: Money, stock: int, version: int = 0) -> None:
        if stock < 0:  # rule: P1
            raise ValueError("stock cannot be negative")
        self._sku = sku
        self._name = name
        self._price = price
        self._stock = stock
        self.version = version

    @property
    def sku(self) -> Sku:
        return self._sku

    @property
    def name(self) -> str:
        return self._name

    @property
    def price(self) -> Money:
        return self._price

    @property
    def stock(self) -> int:
        """Units available to promise."""
        return self._stock

    def rename(self, name: str) -> None:
        self._name = name

    def reprice(self, price: Money) -> None:
        """Orders copied the old price into their lines (P4): only new lines see this."""
        self._price = price  # rule: P4

    def restock(self, quantity: Quantity) -> None:
        if self._stock + quantity.units > STOCK_CAP_AFTER_RESTOCK:  # rule: P3
            raise StockLimitExceeded(
                f"Restocking {quantity.units} would take {self._sku} over "
                f"{STOCK_CAP_AFTER_RESTOCK}."
            )
        self._stock += quantity.units

    def can_reserve(self, quantity: Quantity) -> bool:
        return quantity.units <= self._stock

    def reserve(self, quantity: Quantity) -> None:
        if not self.can_reserve(quantity):  # rule: O3, O9
            raise InsufficientStock(f"Not enough stock of {self._sku}.", [self._sku.code])
        self._stock -= quantity.units

    def release(self, quantity: Quantity) -> None:
        """Take back units an order no longer holds; no cap, P3 limits restocking only."""
        self._stock += quantity.units
