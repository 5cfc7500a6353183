"""Pricing (O4) and the order limit (O5): subroutines the scripts that change lines share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kata.transaction_script.records import CENT, OrderLine
from kata.transaction_script.services.errors import OrderLimitExceeded

ORDER_LIMIT = Decimal("10000.00")
# (subtotal from, discount rate), highest tier first.
DISCOUNT_TIERS = ((Decimal("500.00"), Decimal("0.10")), (Decimal("100.00"), Decimal("0.05")))


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    total: Decimal


def price(lines: Iterable[OrderLine]) -> Totals:
    """Price lines from their own unit prices (never the catalogue's current ones)."""
    # rule: O4
    subtotal = sum((line.line_total for line in lines), Decimal(0)).quantize(CENT)
    rate = next((rate for floor, rate in DISCOUNT_TIERS if subtotal >= floor), Decimal(0))
    discount = (subtotal * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return Totals(subtotal, discount, subtotal - discount)


def check_order_limit(totals: Totals) -> None:
    """Every script that changes lines must call this after pricing them."""
    if totals.total > ORDER_LIMIT:  # rule: O5
        raise OrderLimitExceeded(f"The total {totals.total} would exceed {ORDER_LIMIT}.")
