"""The ordering service's value objects refuse bad values when made, whoever makes them.

Over HTTP the request schema checks every SKU and quantity before the domain sees it, and no
amount the service computes is negative or infinite, so these guards never fire in the shared
suite. They are the domain's own rules all the same (a saga's ``redo`` command, a row read
back, a test builds them too): each refuses with its whole message, the text a developer reads.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from kata.microservices.ordering.domain.money import Money
from kata.microservices.ordering.domain.values import Quantity, Sku
from tests.messages import exactly

# --- Money ----------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [1, 1.5, "1.50", None], ids=repr)
def test_money_is_made_from_a_decimal_only(amount: object) -> None:
    """values: arithmetic in Decimal, never float (nor a string or an int in disguise)."""
    with pytest.raises(ValueError, match=exactly(f"Money needs a finite Decimal, not {amount!r}")):
        Money(amount)  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_money_is_finite(amount: str) -> None:
    """values: NaN and infinities are not amounts."""
    refused = f"Money needs a finite Decimal, not {Decimal(amount)!r}"
    with pytest.raises(ValueError, match=exactly(refused)):
        Money(Decimal(amount))


@pytest.mark.parametrize("amount", ["-0.01", "-1", "-100000.00"])
def test_money_is_never_negative(amount: str) -> None:
    with pytest.raises(ValueError, match=exactly(f"Money cannot be negative: {amount}")):
        Money(Decimal(amount))


def test_money_subtraction_cannot_go_below_zero() -> None:
    """values: not even as an intermediate result (a total is a subtotal less a part of it)."""
    with pytest.raises(ValueError, match=exactly("Money cannot be negative: -0.01")):
        Money.of("1.00") - Money.of("1.01")


# --- Sku ------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["A", "0", "SKU-1", "A-", "A" * 32])
def test_a_sku_is_upper_case_letters_digits_and_dashes_up_to_32(code: str) -> None:
    assert Sku(code).code == str(Sku(code)) == code


@pytest.mark.parametrize("code", ["", "-A", "a", "sku-1", "A B", "A" * 33, "A\n", "É"], ids=repr)
def test_anything_else_is_not_a_sku(code: str) -> None:
    with pytest.raises(ValueError, match=exactly(f"Not a SKU: {code!r}")):
        Sku(code)


def test_a_sku_must_be_text() -> None:
    with pytest.raises(ValueError, match=exactly("Not a SKU: 1")):
        Sku(1)  # type: ignore[arg-type]


# --- Quantity -------------------------------------------------------------------------------


@pytest.mark.parametrize("units", [1, 2, 1000, 1_000_000])
def test_a_quantity_is_a_whole_number_of_at_least_one(units: int) -> None:
    """values: upper limits belong to the request (O1), not to the value."""
    assert Quantity(units).units == int(Quantity(units)) == units


@pytest.mark.parametrize("units", [0, -1, True, 2.0, "2", None], ids=repr)
def test_a_quantity_refuses_zero_negatives_bools_floats_and_text(units: object) -> None:
    with pytest.raises(ValueError, match=exactly(f"Not a quantity: {units!r}")):
        Quantity(units)  # type: ignore[arg-type]
