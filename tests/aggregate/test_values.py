"""Value objects (spec section 1) as properties: ``Money`` against exact integer cents and
``Fraction`` rounding, ``Sku`` and ``Quantity`` against a hand-written reading of their rules.

The example tables for these same classes live in tests/domain_model/test_values.py; here
Hypothesis checks the rules over many values, each against an oracle that does not share
the code's ``Decimal`` arithmetic.
"""

from __future__ import annotations

import dataclasses
import math
import string
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kata.aggregate.domain.money import Money
from kata.aggregate.domain.values import Quantity, Sku

# Deterministic: the same examples every run, so a unit test never flickers.
PROPERTY = settings(max_examples=100, derandomize=True, database=None)

CENTS = st.integers(min_value=0, max_value=10**12)
AMOUNTS = st.decimals(min_value=0, max_value=10**9, allow_nan=False, allow_infinity=False)


def half_up_cents(value: Fraction) -> int:
    """The oracle: a non-negative amount to whole cents, half a cent rounding up."""
    return math.floor(value * 100 + Fraction(1, 2))


def shown(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


# --- Money ------------------------------------------------------------------------------------


@PROPERTY
@given(AMOUNTS)
def test_money_rounds_any_amount_half_up_to_the_cent_and_shows_two_places(amount: Decimal) -> None:
    cents = half_up_cents(Fraction(amount))
    made = Money(amount)
    assert made.cents == cents
    assert made == Money.from_cents(cents)
    assert str(made) == shown(cents)


@PROPERTY
@given(CENTS, st.integers(min_value=1, max_value=4))
def test_money_compares_and_hashes_by_value_whatever_the_written_form(
    cents: int, extra_zeros: int
) -> None:
    """values: "20" equals "20.00" and "20.0000"."""
    short = Money(Decimal(cents).scaleb(-2))
    padded = Money(Decimal(cents * 10**extra_zeros).scaleb(-2 - extra_zeros))
    assert short == padded
    assert hash(short) == hash(padded)


@PROPERTY
@given(CENTS, CENTS)
def test_money_orders_like_its_cents(left: int, right: int) -> None:
    assert (Money.from_cents(left) < Money.from_cents(right)) is (left < right)
    assert (Money.from_cents(left) == Money.from_cents(right)) is (left == right)


@PROPERTY
@given(CENTS, CENTS, st.integers(min_value=0, max_value=1000))
def test_money_arithmetic_is_exact_integer_cents(left: int, right: int, units: int) -> None:
    """O4: sums, differences and unit price x quantity never drift (no float)."""
    a, b = Money.from_cents(left), Money.from_cents(right)
    assert a + b == Money.from_cents(left + right)
    assert a.times(units) == Money.from_cents(left * units)
    high, low = max(left, right), min(left, right)
    assert Money.from_cents(high) - Money.from_cents(low) == Money.from_cents(high - low)
    assert (a, b) == (Money.from_cents(left), Money.from_cents(right))  # operands unchanged


@PROPERTY
@given(CENTS, st.sampled_from(["0", "0.05", "0.10"]))
def test_a_share_of_money_rounds_half_up_to_the_cent(cents: int, rate: str) -> None:
    """O4: discount = subtotal x rate, rounded half-up (5 % of 100.10 is 5.01, not 5.00)."""
    share = Money.from_cents(cents).share(Decimal(rate))
    assert share.cents == half_up_cents(Fraction(cents, 100) * Fraction(rate))


@PROPERTY
@given(st.integers(min_value=1, max_value=10**12))
def test_money_never_goes_below_zero(cents: int) -> None:
    with pytest.raises(ValueError, match="negative"):
        Money(Decimal(-cents).scaleb(-2))
    with pytest.raises(ValueError, match="negative"):
        Money.from_cents(cents - 1) - Money.from_cents(cents)


@pytest.mark.parametrize(
    "amount",
    [1, 1.5, "1.50", None, Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity")],
    ids=repr,
)
def test_money_is_made_from_a_finite_decimal_only(amount: object) -> None:
    with pytest.raises(ValueError, match="finite Decimal"):
        Money(amount)  # type: ignore[arg-type]


def test_zero_made_from_a_negative_zero_shows_without_a_sign() -> None:
    assert str(Money(Decimal("-0"))) == "0.00"
    assert str(Money(Decimal("-0.00"))) == "0.00"


def test_money_cannot_be_changed_in_place() -> None:
    price = Money.of("10.00")
    with pytest.raises(dataclasses.FrozenInstanceError):
        price.amount = Decimal("1.00")  # type: ignore[misc]


# --- Sku --------------------------------------------------------------------------------------

SKU_CHARACTERS = string.ascii_uppercase + string.digits + "-"


def is_sku(text: str) -> bool:
    """The oracle: 1-32 characters, upper-case ASCII letters, digits and dashes, no dash first."""
    return 1 <= len(text) <= 32 and text[0] != "-" and all(c in SKU_CHARACTERS for c in text)


@PROPERTY
@given(st.from_regex(r"[A-Z0-9][A-Z0-9-]{0,31}", fullmatch=True))
def test_a_sku_matching_the_pattern_is_kept_as_written(code: str) -> None:
    assert is_sku(code)
    assert Sku(code).code == code
    assert str(Sku(code)) == code


@PROPERTY
@given(
    st.text(alphabet=SKU_CHARACTERS + "az _.\n\tÉＡ١", max_size=40)
    | st.text(alphabet=SKU_CHARACTERS, min_size=30, max_size=34)  # around the 32 boundary
)
def test_text_is_a_sku_exactly_when_it_matches_the_pattern_whole(text: str) -> None:
    if is_sku(text):
        assert Sku(text).code == text
    else:
        with pytest.raises(ValueError, match="Not a SKU"):
            Sku(text)


def test_a_sku_is_text() -> None:
    with pytest.raises(ValueError, match="Not a SKU"):
        Sku(1)  # type: ignore[arg-type]


@PROPERTY
@given(st.lists(st.from_regex(r"[A-Z0-9][A-Z0-9-]{0,31}", fullmatch=True), max_size=10))
def test_skus_sort_like_their_codes(codes: list[str]) -> None:
    """events: lines are sorted by SKU, that is by its text."""
    assert [sku.code for sku in sorted(Sku(code) for code in codes)] == sorted(codes)


# --- Quantity ---------------------------------------------------------------------------------


@PROPERTY
@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_a_quantity_is_any_whole_number_from_1(units: int) -> None:
    """values: at least one unit; upper limits (1000, 1,000,000) belong to the requests."""
    if units >= 1:
        assert Quantity(units).units == units
        assert int(Quantity(units)) == units
    else:
        with pytest.raises(ValueError, match="Not a quantity"):
            Quantity(units)


@pytest.mark.parametrize("units", [True, False, 2.0, 1.5, "2", None], ids=repr)
def test_a_quantity_is_a_strict_integer(units: object) -> None:
    """values: true, 2.0 and "2" are not quantities."""
    with pytest.raises(ValueError, match="Not a quantity"):
        Quantity(units)  # type: ignore[arg-type]
