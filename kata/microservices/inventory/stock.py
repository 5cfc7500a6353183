"""Inventory's rules, in plain Python: products (P1, P3, P4) and reservations (O3, O8).

A reservation holds units of stock for one order. The ordering service never says "take 3"
or "give back 2": it says what the reservation should now hold, with a version that only
grows. Setting is idempotent (the same call twice changes nothing) and versions make it safe
against late arrivals (an old call that arrives after a newer one is ignored), which is what
lets the ordering service retry any call, and compensate any step, without ever counting
units twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

STOCK_CAP_AFTER_RESTOCK = 10_000_000


class Refusal(Exception):
    """A rule refused the change; nothing changes. ``code`` is the spec's problem code."""

    code = "refusal"

    def __init__(self, detail: str, skus: list[str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if skus is not None:
            self.skus = sorted(skus)


class NotFound(Refusal):
    code = "not-found"


class DuplicateSku(Refusal):
    code = "duplicate-sku"


class StockLimitExceeded(Refusal):
    code = "stock-limit-exceeded"


class UnknownProduct(Refusal):
    code = "unknown-product"


class InsufficientStock(Refusal):
    code = "insufficient-stock"


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price_cents: int
    stock: int  # units available to promise

    def restocked(self, quantity: int) -> Product:
        if self.stock + quantity > STOCK_CAP_AFTER_RESTOCK:  # rule: P3
            raise StockLimitExceeded(
                f"Restocking {quantity} would take {self.sku} over {STOCK_CAP_AFTER_RESTOCK}."
            )
        return Product(self.sku, self.name, self.price_cents, self.stock + quantity)


def moves(held: Mapping[str, int], wanted: Mapping[str, int]) -> dict[str, int]:
    """Units each SKU's stock gives up (positive) or takes back (negative) to go from what a
    reservation holds to what it should hold."""
    skus = set(held) | set(wanted)
    changes = {sku: wanted.get(sku, 0) - held.get(sku, 0) for sku in skus}
    return {sku: units for sku, units in changes.items() if units}


def check_moves(changes: Mapping[str, int], products: Mapping[str, Product]) -> None:
    """Refuse the moves if a SKU is unknown or a product lacks the units (all or nothing)."""
    if unknown := [sku for sku in changes if sku not in products]:  # rule: O3, O9
        raise UnknownProduct("Some products are not in the catalogue.", unknown)
    short = [sku for sku, units in changes.items() if units > products[sku].stock]
    if short:  # rule: O3, O9
        raise InsufficientStock("Not enough stock for every line.", short)
