"""The ``Product`` aggregate: its stock is the sum of its stream, unit by unit (P1, P3, O3)."""

from __future__ import annotations

import pytest

from kata.event_sourced.domain.errors import InsufficientStock, StockLimitExceeded
from kata.event_sourced.domain.events import (
    ProductEvent,
    ProductRegistered,
    ProductRenamed,
    ProductRepriced,
    ProductRestocked,
    StockReleased,
    StockReserved,
)
from kata.event_sourced.domain.product import STOCK_CAP_AFTER_RESTOCK, Product
from kata.event_sourced.domain.values import Quantity, Sku
from tests.event_sourced.builders import ORDER_ID, a_product, money, raised, registered
from tests.messages import exactly


def test_a_replayed_stream_explains_the_stock_unit_by_unit() -> None:
    product = Product.replay(
        [
            registered("SKU-A", price="10.00", stock=10),
            StockReserved("SKU-A", ORDER_ID, 4),
            ProductRestocked("SKU-A", 5),
            StockReleased("SKU-A", ORDER_ID, 1),
            ProductRenamed("SKU-A", "Widget"),
            ProductRepriced("SKU-A", money("12.50")),
        ]
    )

    assert (product.sku, product.name, product.price, product.stock) == (
        Sku("SKU-A"),
        "Widget",
        money("12.50"),
        12,  # 10 - 4 + 5 + 1
    )
    assert (product.version, product.loaded_version) == (6, 6)


def test_a_product_resumed_from_a_snapshot_is_the_one_its_whole_stream_makes() -> None:
    stream: list[ProductEvent] = [
        registered("SKU-A", price="10.00", stock=10),
        StockReserved("SKU-A", ORDER_ID, 4),
        ProductRenamed("SKU-A", "Widget"),
        ProductRepriced("SKU-A", money("12.50")),
        ProductRestocked("SKU-A", 5),
    ]
    whole = Product.replay(stream)

    for taken_at in range(len(stream) + 1):
        before = Product.replay(stream[:taken_at])
        snapshot = before.snapshot() if taken_at else None
        resumed = Product.resume(snapshot, taken_at, stream[taken_at:])

        assert vars(resumed) == vars(whole), f"snapshot at version {taken_at}"


def test_registering_raises_product_registered_on_a_new_stream() -> None:
    product = Product.register(Sku("SKU-A"), "Widget", money("9.99"), 3)

    assert (product.version, product.loaded_version) == (1, 0)
    assert raised(product) == [ProductRegistered("SKU-A", "Widget", money("9.99"), 3)]


def test_a_registered_product_is_what_it_was_registered_with() -> None:
    """P1: a new product has the name, price and stock it was registered with."""
    product = Product.register(Sku("SKU-A"), "Widget", money("9.99"), 3)
    replayed = Product.replay(raised(product))

    for made in (product, replayed):
        assert (made.sku, made.name, made.price, made.stock) == (
            Sku("SKU-A"),
            "Widget",
            money("9.99"),
            3,
        )


def test_a_product_cannot_start_with_negative_stock() -> None:
    """P1: stock is never negative, from the first event on."""
    with pytest.raises(ValueError, match=exactly("stock cannot be negative")):
        Product.register(Sku("SKU-A"), "Widget", money("9.99"), -1)


def test_each_command_raises_exactly_its_event() -> None:
    product = a_product()

    product.rename("Gadget")
    product.reprice(money("1.00"))
    product.restock(Quantity(7))
    product.reserve(ORDER_ID, Quantity(3))
    product.release(ORDER_ID, Quantity(2))

    assert (product.version, product.loaded_version) == (6, 1)
    assert raised(product) == [
        ProductRenamed("SKU-A", "Gadget"),
        ProductRepriced("SKU-A", money("1.00")),
        ProductRestocked("SKU-A", 7),
        StockReserved("SKU-A", ORDER_ID, 3),
        StockReleased("SKU-A", ORDER_ID, 2),
    ]
    assert product.stock == 106


def test_reserving_more_than_the_stock_raises_nothing() -> None:
    product = a_product(stock=2)

    with pytest.raises(InsufficientStock):  # rule: O3
        product.reserve(ORDER_ID, Quantity(3))

    assert raised(product) == []
    assert (product.stock, product.version) == (2, 1)


def test_restocking_past_the_cap_raises_nothing() -> None:
    product = a_product(stock=STOCK_CAP_AFTER_RESTOCK - 1)

    with pytest.raises(StockLimitExceeded):  # rule: P3
        product.restock(Quantity(2))

    assert raised(product) == []
    assert product.stock == STOCK_CAP_AFTER_RESTOCK - 1
