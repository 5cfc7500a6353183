"""``Product``: an entity that guards its own stock (P1, P3, P4, O3, O8)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from kata.domain_model.domain.entity import Entity
from kata.domain_model.domain.errors import InsufficientStock, StockLimitExceeded
from kata.domain_model.domain.money import Money
from kata.domain_model.domain.values import Quantity, Sku

STOCK_CAP_AFTER_RESTOCK = 10_000_000


class Product(Entity):
    __tablename__ = "dm_products"

    sku: Mapped[str] = mapped_column(String(32), primary_key=True)
    _name: Mapped[str] = mapped_column("name", String(100))
    _price_cents: Mapped[int] = mapped_column("price_cents")
    _stock: Mapped[int] = mapped_column("stock")
    # Optimistic lock: a flush that finds another transaction changed the row fails,
    # so two orders can never both take the last unit.
    _version: Mapped[int] = mapped_column("version")
    __mapper_args__ = {"version_id_col": _version}

    def __init__(self, sku: Sku, name: str, price: Money, stock: int) -> None:
        if stock < 0:  # rule: P1
            raise ValueError("stock cannot be negative")
        self.sku = sku.code
        self._name = name
        self._price_cents = price.cents
        self._stock = stock

    @property
    def name(self) -> str:
        return self._name

    @property
    def price(self) -> Money:
        return Money.from_cents(self._price_cents)

    @property
    def stock(self) -> int:
        """Units available to promise."""
        return self._stock

    def rename(self, name: str) -> None:
        self._name = name

    def reprice(self, price: Money) -> None:
        """Order lines keep the price they were added at (P4), so only new lines see this."""
        self._price_cents = price.cents  # rule: P4

    def restock(self, quantity: Quantity) -> None:
        if self._stock + quantity.units > STOCK_CAP_AFTER_RESTOCK:  # rule: P3
            raise StockLimitExceeded(
                f"Restocking {quantity.units} would take {self.sku} over {STOCK_CAP_AFTER_RESTOCK}."
            )
        self._stock += quantity.units

    def can_reserve(self, quantity: Quantity) -> bool:
        return quantity.units <= self._stock

    def reserve(self, quantity: Quantity) -> None:
        if not self.can_reserve(quantity):  # rule: O3, O9
            raise InsufficientStock(f"Not enough stock of {self.sku}.", [self.sku])
        self._stock -= quantity.units

    def release(self, quantity: Quantity) -> None:
        """Take back reserved units; no cap, P3 limits restocking only."""
        self._stock += quantity.units
