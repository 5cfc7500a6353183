"""Value objects (spec section 1): ``Money``, ``Sku``, ``Quantity`` refuse bad values when made.

Over HTTP the request schema refuses these first; the domain guards them again, for every
other caller (a test, a script, a stored event read back), with a message a developer reads.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from kata.event_sourced.domain.money import Money
from kata.event_sourced.domain.values import Quantity, Sku
from tests.messages import exactly

# --- Money ------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [1, 1.5, "1.50", None], ids=["int", "float", "str", "None"])
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
    """values: no sign on money."""
    with pytest.raises(ValueError, match=exactly(f"Money cannot be negative: {amount}")):
        Money(Decimal(amount))


# --- Sku --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["A", "SKU-1", "A" * 32])
def test_a_sku_is_upper_case_letters_digits_and_dashes_up_to_32(code: str) -> None:
    """values: [A-Z0-9][A-Z0-9-]{0,31}, matched whole."""
    assert Sku(code).code == str(Sku(code)) == code


@pytest.mark.parametrize("code", ["", "-A", "sku-1", "A B", "A" * 33, "A\n", "É"], ids=repr)
def test_anything_else_is_not_a_sku(code: str) -> None:
    """values: lower case, a leading dash, spaces, 33 characters, non-ASCII: refused."""
    with pytest.raises(ValueError, match=exactly(f"Not a SKU: {code!r}")):
        Sku(code)


def test_a_sku_must_be_text() -> None:
    """values: a number is not a SKU."""
    with pytest.raises(ValueError, match=exactly("Not a SKU: 1")):
        Sku(1)  # type: ignore[arg-type]


# --- Quantity ---------------------------------------------------------------------------------


@pytest.mark.parametrize("units", [1, 1_000_000])
def test_a_quantity_is_a_whole_number_of_at_least_one(units: int) -> None:
    """values: quantities are integers >= 1 (upper limits belong to the request, O1/P3)."""
    assert Quantity(units).units == int(Quantity(units)) == units


@pytest.mark.parametrize("units", [0, -1, True, 2.0, "2", None], ids=repr)
def test_a_quantity_refuses_zero_negatives_bools_floats_and_text(units: object) -> None:
    """values: strict integers: true, 2.0 and "2" are not quantities."""
    with pytest.raises(ValueError, match=exactly(f"Not a quantity: {units!r}")):
        Quantity(units)  # type: ignore[arg-type]
