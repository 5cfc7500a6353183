"""Money columns hold integer cents; records hold ``Decimal``. These two convert."""

from __future__ import annotations

from decimal import Decimal

from kata.transaction_script.records import CENT


def to_cents(amount: Decimal) -> int:
    return int(amount.quantize(CENT) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)
