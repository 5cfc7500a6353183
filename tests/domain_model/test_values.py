"""Value objects (spec section 1): ``Money``, ``Sku``, ``Quantity`` refuse bad values when made."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from kata.domain_model.domain.money import Money
from kata.domain_model.domain.values import Quantity, Sku
from tests.domain_model.builders import money
from tests.messages import exactly

# --- Money: construction ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("0", "0.00"),
        ("12.5", "12.50"),
        ("20", "20.00"),
        ("0.01", "0.01"),
        ("999999.99", "999999.99"),
    ],
)
def test_money_always_has_exactly_two_places(amount: str, shown: str) -> None:
    """values: money is shown with two decimals whatever form it was made from."""
    made = Money(Decimal(amount))
    assert str(made) == shown
    assert made.amount.as_tuple().exponent == -2


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


def test_money_made_from_negative_zero_shows_without_a_sign() -> None:
    """values: the wire form of money has no sign, so zero is "0.00" however it was made."""
    assert str(Money(Decimal("-0"))) == "0.00"


def test_money_from_cents_and_back() -> None:
    """values: cents are the exact integer form (how the entities store prices)."""
    assert Money.from_cents(1050) == money("10.50")
    assert money("10.50").cents == 1050
    assert Money.from_cents(1).cents == 1


# --- Money: a value, compared by value and never changed ------------------------------------


@pytest.mark.parametrize(
    ("left", "right"), [("20", "20.00"), ("20.0", "20"), ("0", "0.00"), ("12.5", "12.50")]
)
def test_money_compares_by_value(left: str, right: str) -> None:
    """values: "20" equals "20.00" (and they hash alike, so they are one dictionary key)."""
    assert money(left) == money(right)
    assert hash(money(left)) == hash(money(right))
    assert money(left) is not money(right)


def test_different_amounts_are_different_and_ordered() -> None:
    """values: one cent apart is another amount; amounts order by value."""
    assert money("20.00") != money("20.01")
    assert money("9.99") < money("10") < money("10.01")


def test_money_is_immutable() -> None:
    """values: a value object cannot be changed in place (frozen)."""
    price = money("10.00")
    with pytest.raises(dataclasses.FrozenInstanceError):
        price.amount = Decimal("1.00")  # type: ignore[misc]
    assert price == money("10.00")


# --- Money: arithmetic ----------------------------------------------------------------------


def test_money_adds_subtracts_and_multiplies_exactly_into_new_values() -> None:
    """O4: 0.10 + 0.20 is exactly 0.30 (no float drift), and operands stay as they were."""
    a, b = money("0.10"), money("0.20")
    assert a + b == money("0.30")
    assert money("0.30") - b == a
    assert money("19.99").times(3) == money("59.97")
    assert money("19.99").times(0) == money("0")
    assert (a, b) == (money("0.10"), money("0.20"))


def test_money_subtraction_cannot_go_below_zero() -> None:
    """values: money is never negative, not even as an intermediate result."""
    with pytest.raises(ValueError, match="negative"):
        money("1.00") - money("1.01")


@pytest.mark.parametrize(
    ("amount", "rate", "share"),
    [
        ("100.10", "0.05", "5.01"),  # 5.005: exactly half a cent rounds up
        ("500.05", "0.10", "50.01"),  # 50.005: half a cent rounds up
        ("100.30", "0.05", "5.02"),  # 5.015: half a cent rounds up, not to even
        ("100.08", "0.05", "5.00"),  # 5.004: under half a cent rounds down
        ("100.09", "0.05", "5.00"),  # 5.0045: under half a cent rounds down
        ("100.11", "0.05", "5.01"),  # 5.0055: over half a cent rounds up
        ("499.99", "0.05", "25.00"),  # 24.9995
        ("123.45", "0", "0.00"),
    ],
)
def test_money_share_rounds_half_up_at_the_cent(amount: str, rate: str, share: str) -> None:
    """O4: discount = subtotal x rate, rounded half-up to cents."""
    assert money(amount).share(Decimal(rate)) == money(share)


# --- Sku ------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["A", "0", "SKU-1", "A-", "9-9-9", "A" * 32])
def test_a_sku_is_upper_case_letters_digits_and_dashes_up_to_32(code: str) -> None:
    """values: [A-Z0-9][A-Z0-9-]{0,31}, matched whole."""
    assert Sku(code).code == code
    assert str(Sku(code)) == code


@pytest.mark.parametrize(
    "code",
    ["", "-A", "a", "sku-1", "A B", "A_1", "A" * 33, "A\n", " A", "É", "Ａ", "١"],
    ids=repr,
)
def test_anything_else_is_not_a_sku(code: str) -> None:
    """values: lower case, a leading dash, spaces, 33 characters, non-ASCII: refused."""
    with pytest.raises(ValueError, match=exactly(f"Not a SKU: {code!r}")):
        Sku(code)


def test_a_sku_must_be_text() -> None:
    """values: a number is not a SKU."""
    with pytest.raises(ValueError, match=exactly("Not a SKU: 1")):
        Sku(1)  # type: ignore[arg-type]


# --- Quantity -------------------------------------------------------------------------------


@pytest.mark.parametrize("units", [1, 2, 1000, 1_000_000])
def test_a_quantity_is_a_whole_number_of_at_least_one(units: int) -> None:
    """values: quantities are integers >= 1 (upper limits belong to the request, O1/P3)."""
    assert Quantity(units).units == units
    assert int(Quantity(units)) == units


@pytest.mark.parametrize("units", [0, -1, True, False, 2.0, 1.5, "2", None], ids=repr)
def test_a_quantity_refuses_zero_negatives_bools_floats_and_text(units: object) -> None:
    """values: strict integers: true, 2.0 and "2" are not quantities."""
    with pytest.raises(ValueError, match=exactly(f"Not a quantity: {units!r}")):
        Quantity(units)  # type: ignore[arg-type]
