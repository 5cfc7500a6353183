"""Inventory's rules, in plain Python: products (P1, P3, P4), reservations (O3, O8), and
the withdrawal of a catalogue write whose answer was lost.

A reservation holds units of stock for one order. The ordering service never says "take 3"
or "give back 2": it says what the reservation should now hold, with a version that only
grows. Setting is idempotent (the same call twice changes nothing) and versions make it safe
against late arrivals (an old call that arrives after a newer one is ignored), which is what
lets the ordering service retry any call, and compensate any step, without ever counting
units twice.

A catalogue write (a registration, a change, a restock) forwarded by the gateway carries a
request id: inventory applies it once however often it is sent, and keeps it as a
:class:`Write`, the product before and after. When the gateway never got its answer it
*withdraws* it (:func:`withdrawn`): undone if nothing can have relied on it since, else it
stands and its answer is given after all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

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


class WriteWithdrawn(Refusal):
    """A forwarded write arriving after its withdrawal (a late copy): it is not applied."""

    code = "write-withdrawn"


class Stands(Exception):
    """A write cannot be withdrawn: something may have relied on it since."""


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price_cents: int
    stock: int  # units available to promise
    version: int = 1  # one more at every change of the product, a stock move included

    def restocked(self, quantity: int) -> Product:
        if self.stock + quantity > STOCK_CAP_AFTER_RESTOCK:  # rule: P3
            raise StockLimitExceeded(
                f"Restocking {quantity} would take {self.sku} over {STOCK_CAP_AFTER_RESTOCK}."
            )
        return replace(self, stock=self.stock + quantity)


@dataclass(frozen=True)
class Write:
    """A catalogue write as inventory keeps it by its request id: enough to answer it again
    (``after``) and to withdraw it (``before``)."""

    kind: str  # "register", "change" or "restock"
    before: Product | None  # None for a registration
    after: Product  # as the write left it, a version on


def withdrawn(write: Write, now: Product) -> Product | None:
    """The product as it is once ``write`` is undone (None: it was never registered), given
    the product ``now``. Raises :class:`Stands` if something may have relied on it since:

    - a restock, once the product has fewer units than it added: some of them are promised
      to orders (taking them back would take them from an order; while there are enough,
      every order placed since could have been served without them);
    - a registration or a change, once anything else changed the product (its version moved
      on: a stock move, a restock, another change): an order may have taken its price.
    """
    if write.kind == "restock":
        assert write.before is not None
        units = write.after.stock - write.before.stock
        if now.stock < units:
            raise Stands(f"{write.after.sku}: some of the {units} units restocked are promised.")
        return replace(now, stock=now.stock - units)
    if now.version != write.after.version:
        raise Stands(f"{write.after.sku} changed since the {write.kind}.")
    if write.before is None:
        return None
    return replace(now, name=write.before.name, price_cents=write.before.price_cents)


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
