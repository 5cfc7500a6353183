"""Pricing (O4) and the order limit (O5), on plain ``Money`` values."""

from __future__ import annotations

import pytest

from kata.domain_model.domain.errors import OrderLimitExceeded
from kata.domain_model.domain.pricing import Totals, price, within_limit
from tests.domain_model.builders import money


@pytest.mark.parametrize(
    ("line_totals", "subtotal", "discount", "total"),
    [
        # tier boundaries: 0 % below 100.00, 5 % from 100.00, 10 % from 500.00 (inclusive)
        (["0.01"], "0.01", "0.00", "0.01"),
        (["99.99"], "99.99", "0.00", "99.99"),
        (["100.00"], "100.00", "5.00", "95.00"),
        (["110.00"], "110.00", "5.50", "104.50"),
        (["499.99"], "499.99", "25.00", "474.99"),  # 24.9995 rounds up
        (["500.00"], "500.00", "50.00", "450.00"),
        # rounding half-up to the cent
        (["100.10"], "100.10", "5.01", "95.09"),  # 5.005 -> 5.01
        (["500.05"], "500.05", "50.01", "450.04"),  # 50.005 -> 50.01
        (["100.08"], "100.08", "5.00", "95.08"),  # 5.004 -> 5.00
        # the tier is chosen on the subtotal of all lines, not per line
        (["60.00", "40.00"], "100.00", "5.00", "95.00"),
        (["99.99", "400.01"], "500.00", "50.00", "450.00"),
        ([], "0.00", "0.00", "0.00"),
    ],
)
def test_o4_discount_tier_by_subtotal_rounded_half_up(
    line_totals: list[str], subtotal: str, discount: str, total: str
) -> None:
    """O4: subtotal = sum of line totals; discount = subtotal x rate half-up; total = rest."""
    assert price(money(amount) for amount in line_totals) == Totals(
        money(subtotal), money(discount), money(total)
    )


@pytest.mark.parametrize(
    ("subtotal", "total"),
    [
        ("10000.00", "9000.00"),
        ("11111.11", "10000.00"),  # discount 1111.111 -> 1111.11: exactly at the limit
    ],
)
def test_o5_a_total_up_to_10000_is_within_the_limit(subtotal: str, total: str) -> None:
    """O5: the limit is on the total after discount, 10000.00 included."""
    totals = price([money(subtotal)])
    assert totals.total == money(total)
    assert within_limit(totals) is totals


@pytest.mark.parametrize(
    ("subtotal", "total"),
    [
        ("11111.12", "10000.01"),  # discount 1111.112 -> 1111.11: one cent over
        ("11111.13", "10000.02"),
        ("100000.00", "90000.00"),
    ],
)
def test_o5_a_total_over_10000_exceeds_the_limit(subtotal: str, total: str) -> None:
    """O5: one cent over 10000.00 is refused."""
    totals = price([money(subtotal)])
    assert totals.total == money(total)
    with pytest.raises(OrderLimitExceeded) as refused:
        within_limit(totals)
    assert refused.value.code == "order-limit-exceeded"
