"""The ``Product`` aggregate on its own: what it is made with, and the stock it refuses (P1)."""

from __future__ import annotations

import pytest

from kata.hexagonal.domain.product import Product
from kata.hexagonal.domain.values import Sku
from tests.hexagonal.builders import a_product, money
from tests.messages import exactly


def test_a_product_shows_what_it_was_registered_with_and_starts_unsaved() -> None:
    """Version 0 until a repository saves it (the adapters store a new root as version 1)."""
    product = Product(Sku("SKU-A"), "Tea", money("12.50"), 7)
    assert (product.sku, product.name, product.price, product.stock, product.version) == (
        Sku("SKU-A"),
        "Tea",
        money("12.50"),
        7,
        0,
    )


@pytest.mark.parametrize("stock", [0, 1_000_000])
def test_a_product_may_be_registered_with_0_to_1_000_000_units(stock: int) -> None:
    """P1: no stock at all is a stock."""
    assert a_product(stock=stock).stock == stock


def test_a_product_cannot_start_with_negative_stock() -> None:
    """P1: stock is never negative."""
    with pytest.raises(ValueError, match=exactly("stock cannot be negative")):
        a_product(stock=-1)
