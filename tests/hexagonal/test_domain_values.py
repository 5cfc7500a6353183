"""Value objects (spec section 1): ``Money``, ``Sku`` and ``Quantity`` refuse bad values when
made, each with its whole message. Over HTTP the request schema refuses these values first;
here the domain is asked directly, as any other caller of the centre of the hexagon may."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kata.hexagonal.domain.money import Money
from kata.hexagonal.domain.values import Quantity, Sku
from tests.hexagonal.builders import money
from tests.messages import exactly

# --- Money ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "shown"),
    [("0", "0.00"), ("12.5", "12.50"), ("20", "20.00"), ("0.005", "0.01"), ("-0", "0.00")],
)
def test_money_is_any_finite_decimal_from_zero_shown_with_two_places(
    amount: str, shown: str
) -> None:
    """values: rounded half-up to the cent; a zero made from "-0" has no sign."""
    assert str(Money(Decimal(amount))) == shown


@pytest.mark.parametrize(
    "amount",
    [1, 1.5, "1.50", None, Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity")],
    ids=repr,
)
def test_money_is_made_from_a_finite_decimal_only(amount: object) -> None:
    """values: arithmetic in Decimal, never float; NaN and infinities are not amounts."""
    with pytest.raises(ValueError, match=exactly(f"Money needs a finite Decimal, not {amount!r}")):
        Money(amount)  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", ["-0.01", "-1", "-100000.00"])
def test_money_is_never_negative(amount: str) -> None:
    """values: no sign on money."""
    with pytest.raises(ValueError, match=exactly(f"Money cannot be negative: {amount}")):
        Money(Decimal(amount))


def test_money_subtraction_cannot_go_below_zero() -> None:
    """values: money is never negative, not even as an intermediate result."""
    with pytest.raises(ValueError, match=exactly("Money cannot be negative: -0.01")):
        money("1.00") - money("1.01")


# --- Sku ------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["A", "0", "SKU-1", "A-", "A" * 32])
def test_a_sku_is_upper_case_letters_digits_and_dashes_up_to_32(code: str) -> None:
    """values: [A-Z0-9][A-Z0-9-]{0,31}, matched whole."""
    assert Sku(code).code == str(Sku(code)) == code


@pytest.mark.parametrize("code", ["", "-A", "sku-1", "A B", "A" * 33, "A\n", "É", 1], ids=repr)
def test_anything_else_is_not_a_sku(code: object) -> None:
    """values: lower case, a leading dash, a space, 33 characters, non-ASCII, a number."""
    with pytest.raises(ValueError, match=exactly(f"Not a SKU: {code!r}")):
        Sku(code)  # type: ignore[arg-type]


# --- Quantity -------------------------------------------------------------------------------


@pytest.mark.parametrize("units", [1, 2, 1_000_000])
def test_a_quantity_is_a_whole_number_of_at_least_one(units: int) -> None:
    """values: upper limits (1000, 1,000,000) belong to the requests, not to Quantity."""
    assert Quantity(units).units == int(Quantity(units)) == units


@pytest.mark.parametrize("units", [0, -1, True, False, 2.0, 1.5, "2", None], ids=repr)
def test_a_quantity_refuses_zero_negatives_bools_floats_and_text(units: object) -> None:
    """values: strict integers from 1: true, 2.0 and "2" are not quantities."""
    with pytest.raises(ValueError, match=exactly(f"Not a quantity: {units!r}")):
        Quantity(units)  # type: ignore[arg-type]
