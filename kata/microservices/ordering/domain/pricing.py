"""Pricing (O4) and the order limit (O5): the arithmetic the ``Order`` root applies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from kata.microservices.ordering.domain.errors import OrderLimitExceeded
from kata.microservices.ordering.domain.money import ZERO, Money

ORDER_LIMIT = Money.of("10000.00")
# (subtotal from, discount rate), highest tier first.
DISCOUNT_TIERS = ((Money.of("500.00"), Decimal("0.10")), (Money.of("100.00"), Decimal("0.05")))


@dataclass(frozen=True)
class Totals:
    subtotal: Money
    discount: Money
    total: Money


def price(line_totals: Iterable[Money]) -> Totals:
    """Subtotal, tiered discount (rounded half-up to the cent) and total."""
    # rule: O4
    subtotal = sum(line_totals, ZERO)
    rate = next((rate for floor, rate in DISCOUNT_TIERS if subtotal >= floor), Decimal(0))
    discount = subtotal.share(rate)
    return Totals(subtotal, discount, subtotal - discount)


def within_limit(totals: Totals) -> Totals:
    if totals.total > ORDER_LIMIT:  # rule: O5
        raise OrderLimitExceeded(f"The total {totals.total} would exceed {ORDER_LIMIT}.")
    return totals
