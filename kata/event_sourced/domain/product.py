"""The ``Product`` aggregate, event-sourced: its stock is the fold of its stream (P1, P3, P4,
O3, O8).

Registration, renames, price changes, restocks and every unit an order reserves or gives back
are events of the product's stream, so the stock on hand is explained unit by unit: replay
the stream and the sum comes out. The cost is the stream's length: a product sold often has
a long stream, so it is loaded from its latest snapshot and the events after it (``resume``).
"""

from __future__ import annotations

from collections.abc import Iterable

from kata.event_sourced.domain.errors import InsufficientStock, StockLimitExceeded
from kata.event_sourced.domain.events import (
    ProductEvent,
    ProductRegistered,
    ProductRenamed,
    ProductRepriced,
    ProductRestocked,
    StockReleased,
    StockReserved,
)
from kata.event_sourced.domain.money import Money
from kata.event_sourced.domain.snapshots import ProductSnapshot
from kata.event_sourced.domain.stream import EventSourced
from kata.event_sourced.domain.values import Quantity, Sku

STOCK_CAP_AFTER_RESTOCK = 10_000_000


class Product(EventSourced[ProductEvent]):
    """The root of a product's stream. Start one with :meth:`register`, or replay its events."""

    sku: Sku
    name: str
    price: Money
    stock: int  # units available to promise

    @classmethod
    def register(cls, sku: Sku, name: str, price: Money, stock: int) -> Product:
        if stock < 0:  # rule: P1
            raise ValueError("stock cannot be negative")
        product = cls.replay([])
        product._raise(ProductRegistered(sku.code, name, price, stock))
        return product

    @classmethod
    def resume(
        cls, snapshot: ProductSnapshot | None, version: int, later: Iterable[ProductEvent]
    ) -> Product:
        """The product as ``snapshot`` (taken at ``version``) left it, then the ``later``
        events; without a snapshot, the whole stream."""
        product = cls.replay([])
        if snapshot is not None:
            product.sku = Sku(snapshot.sku)
            product.name = snapshot.name
            product.price = snapshot.price
            product.stock = snapshot.stock
            product.version = version
        product._fold(later)
        return product

    def snapshot(self) -> ProductSnapshot:
        return ProductSnapshot(self.sku.code, self.name, self.price, self.stock)

    def rename(self, name: str) -> None:
        self._raise(ProductRenamed(self.sku.code, name))

    def reprice(self, price: Money) -> None:
        """Orders copied the old price into their lines (P4): only new lines see this."""
        self._raise(ProductRepriced(self.sku.code, price))  # rule: P4

    def restock(self, quantity: Quantity) -> None:
        if self.stock + quantity.units > STOCK_CAP_AFTER_RESTOCK:  # rule: P3
            raise StockLimitExceeded(
                f"Restocking {quantity.units} would take {self.sku} over {STOCK_CAP_AFTER_RESTOCK}."
            )
        self._raise(ProductRestocked(self.sku.code, quantity.units))

    def can_reserve(self, quantity: Quantity) -> bool:
        return quantity.units <= self.stock

    def reserve(self, order_id: str, quantity: Quantity) -> None:
        if not self.can_reserve(quantity):  # rule: O3, O9
            raise InsufficientStock(f"Not enough stock of {self.sku}.", [self.sku.code])
        self._raise(StockReserved(self.sku.code, order_id, quantity.units))

    def release(self, order_id: str, quantity: Quantity) -> None:
        """Take back units an order no longer holds; no cap, P3 limits restocking only."""
        self._raise(StockReleased(self.sku.code, order_id, quantity.units))

    def _apply(self, event: ProductEvent) -> None:
        match event:
            case ProductRegistered():
                self.sku = Sku(event.sku)
                self.name = event.name
                self.price = event.price
                self.stock = event.stock
            case ProductRenamed():
                self.name = event.name
            case ProductRepriced():
                self.price = event.price
            case ProductRestocked() | StockReleased():
                self.stock += event.quantity
            case StockReserved():
                self.stock -= event.quantity
