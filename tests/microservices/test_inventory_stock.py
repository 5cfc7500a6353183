"""Inventory's rules for moving stock (``stock.check_moves``), on their own: all or nothing,
and each refusal with its whole words.

The ordering service passes inventory's refusal on as the order's problem (its ``detail``
too), and the contract fixes only that a detail is a string: the words are held here.
"""

from __future__ import annotations

import pytest

from kata.microservices.inventory.stock import (
    InsufficientStock,
    Product,
    Refusal,
    UnknownProduct,
    check_moves,
    moves,
)

PRODUCTS = {
    "SKU-A": Product("SKU-A", "A", 250, stock=3),
    "SKU-B": Product("SKU-B", "B", 400, stock=0),
    "SKU-C": Product("SKU-C", "C", 100, stock=5),
}


def assert_refused(refused: Refusal, message: str, skus: list[str]) -> None:
    """The problem's detail is the message, the exception's own text the same; SKUs sorted."""
    assert (refused.detail, str(refused), refused.skus) == (message, message, skus)


def test_moves_within_the_stock_are_allowed_the_last_unit_included() -> None:
    check_moves({"SKU-A": 3, "SKU-C": 1}, PRODUCTS)
    check_moves({"SKU-B": -2}, PRODUCTS)  # units given back need no stock


def test_moves_of_products_not_in_the_catalogue_are_refused_naming_them() -> None:
    with pytest.raises(UnknownProduct) as refused:
        check_moves({"NOPE-2": 1, "SKU-A": 1, "NOPE-1": 1}, PRODUCTS)
    assert_refused(refused.value, "Some products are not in the catalogue.", ["NOPE-1", "NOPE-2"])


def test_moves_beyond_the_stock_are_refused_naming_every_short_product() -> None:
    with pytest.raises(InsufficientStock) as refused:
        check_moves({"SKU-C": 5, "SKU-B": 1, "SKU-A": 4}, PRODUCTS)
    assert_refused(refused.value, "Not enough stock for every line.", ["SKU-A", "SKU-B"])


def test_an_unknown_product_is_refused_before_any_short_one() -> None:
    with pytest.raises(UnknownProduct) as refused:
        check_moves(moves({}, {"SKU-B": 1, "NOPE-1": 1}), PRODUCTS)
    assert_refused(refused.value, "Some products are not in the catalogue.", ["NOPE-1"])
