"""``Money``: an immutable value object, exact to the cent (O4's arithmetic lives here)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True, order=True)
class Money:
    """An amount in the shop's currency: a ``Decimal`` rounded half-up to exactly two places,
    never negative."""

    amount: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise ValueError(f"Money needs a finite Decimal, not {self.amount!r}")
        if self.amount < 0:
            raise ValueError(f"Money cannot be negative: {self.amount}")
        # Always two places, so "20" and "20.00" are one value with one form.
        # copy_abs: a zero made from "-0" shows as "0.00", never "-0.00".
        amount = self.amount.quantize(CENT, rounding=ROUND_HALF_UP).copy_abs()
        object.__setattr__(self, "amount", amount)

    @classmethod
    def of(cls, text: str | int) -> Money:
        return cls(Decimal(text))

    @classmethod
    def from_cents(cls, cents: int) -> Money:
        return cls(Decimal(cents) / 100)

    @property
    def cents(self) -> int:
        return int(self.amount * 100)

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + other.amount)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - other.amount)

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity)

    def share(self, rate: Decimal) -> Money:
        """``rate`` of this amount, rounded half-up to the cent (5 % of 100.10 is 5.01)."""
        return Money(self.amount * rate)

    def __str__(self) -> str:
        return f"{self.amount:f}"


ZERO = Money(Decimal(0))
