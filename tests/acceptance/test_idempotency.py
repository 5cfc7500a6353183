"""O12: ``POST /orders`` with an ``Idempotency-Key``.

Keys are global and persist, so every key here is made unique for the run (a live server
keeps the keys of earlier runs).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.acceptance.driver import Reply
from tests.acceptance.dsl import Shop, encode, order_body
from tests.acceptance.expectations import (
    body_of,
    expect_invalid,
    expect_problem,
    expect_status,
    unchanged,
)

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def _post(shop: Shop, key: str, raw: bytes) -> Reply:
    """``POST /orders`` with these exact body bytes and this key."""
    return shop.send_raw("POST", "/orders", raw, headers={"Idempotency-Key": key})


@pytest.mark.rule("O12")
def test_a_repeat_with_the_same_key_and_body_gets_the_first_response_and_changes_nothing(
    shop: Shop,
) -> None:
    sku, customer, key = shop.add_product(stock=10), shop.new_customer(), shop.new_idempotency_key()
    first = expect_status(shop.place_order(customer, [(sku, 2)], key), 201)
    order_id = first.json()["id"]

    with unchanged(shop, skus=[sku], order_ids=[order_id], customers=[customer]):
        repeat = expect_status(shop.place_order(customer, [(sku, 2)], key), 201)

    assert repeat.json() == first.json()
    assert repeat.headers["location"] == first.headers["location"]
    assert [order["id"] for order in shop.orders_of(customer)] == [order_id]
    assert shop.stock_of(sku) == 8


@pytest.mark.rule("O12")
def test_a_repeat_gets_the_first_response_even_after_the_order_was_paid(shop: Shop) -> None:
    sku, customer, key = shop.add_product(stock=10), shop.new_customer(), shop.new_idempotency_key()
    first = expect_status(shop.place_order(customer, [(sku, 2)], key), 201)
    order = first.json()
    paid = body_of(shop.pay(order["id"], order["total"]), 200)

    with unchanged(shop, orders=[paid]):
        repeat = expect_status(shop.place_order(customer, [(sku, 2)], key), 201)

    assert repeat.json() == order
    assert repeat.json()["status"] == "PENDING_PAYMENT"
    assert repeat.headers["location"] == first.headers["location"]
    assert shop.order(order["id"]) == paid


def _reordered_and_spaced(body: dict[str, Any]) -> bytes:
    reordered = {
        "lines": [{"quantity": line["quantity"], "sku": line["sku"]} for line in body["lines"]],
        "customer_id": body["customer_id"],
    }
    return json.dumps(reordered, indent=4).encode()


def _escaped(body: dict[str, Any]) -> bytes:
    customer = body["customer_id"]
    text = json.dumps(body, separators=(",", ":"))
    return text.replace(f'"{customer}"', f'"\\u{ord(customer[0]):04x}{customer[1:]}"').encode()


@pytest.mark.rule("O12")
@pytest.mark.parametrize(
    "encode_equal",
    [_reordered_and_spaced, _escaped],
    ids=["keys-reordered-spaced", "escaped-chars"],
)
def test_a_body_equal_as_json_is_the_same_request(
    shop: Shop, encode_equal: Callable[[dict[str, Any]], bytes]
) -> None:
    sku, customer, key = shop.add_product(stock=10), shop.new_customer(), shop.new_idempotency_key()
    body = order_body(customer, [(sku, 2)])
    first = expect_status(_post(shop, key, encode(body)), 201)
    raw = encode_equal(body)
    assert raw != encode(body)
    assert json.loads(raw) == body

    with unchanged(shop, orders=[first.json()]):
        repeat = expect_status(_post(shop, key, raw), 201)

    assert repeat.json() == first.json()
    assert repeat.headers["location"] == first.headers["location"]


# Where reuse stands among the other errors (after validation, before unknown products):
# the precedence cases in test_bad_input.py.
DIFFERENT_BODIES: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "other-quantity": lambda sku, customer: order_body(customer, [(sku, 3)]),
    "other-customer": lambda sku, customer: order_body(f"{customer}_2", [(sku, 2)]),
}


@pytest.mark.rule("O12")
@pytest.mark.parametrize("make_body", list(DIFFERENT_BODIES.values()), ids=list(DIFFERENT_BODIES))
def test_the_same_key_with_a_different_body_is_refused(
    shop: Shop, make_body: Callable[[str, str], dict[str, Any]]
) -> None:
    sku, customer, key = shop.add_product(stock=10), shop.new_customer(), shop.new_idempotency_key()
    first = body_of(shop.place_order(customer, [(sku, 2)], key), 201)
    other = make_body(sku, customer)

    with unchanged(shop, customers=[other["customer_id"]], orders=[first]):
        expect_problem(_post(shop, key, encode(other)), 422, "idempotency-key-reuse")

    assert shop.orders_of(other["customer_id"]) == (
        [first] if other["customer_id"] == customer else []
    )


@pytest.mark.rule("O12", "O3")
@pytest.mark.parametrize(
    ("retry_quantity", "restock"), [(2, 5), (1, 0)], ids=["same-body-after-restock", "other-body"]
)
def test_a_refused_placement_does_not_bind_its_key(
    shop: Shop, retry_quantity: int, restock: int
) -> None:
    sku, customer, key = shop.add_product(stock=1), shop.new_customer(), shop.new_idempotency_key()
    with unchanged(shop, skus=[sku], customers=[customer]):
        expect_problem(shop.place_order(customer, [(sku, 2)], key), 409, "insufficient-stock")
    if restock:
        body_of(shop.restock(sku, restock), 200)

    placed = expect_status(shop.place_order(customer, [(sku, retry_quantity)], key), 201)

    assert placed.json()["lines"][0]["quantity"] == retry_quantity
    repeat = expect_status(shop.place_order(customer, [(sku, retry_quantity)], key), 201)
    assert repeat.json() == placed.json()
    assert [order["id"] for order in shop.orders_of(customer)] == [placed.json()["id"]]


@pytest.mark.rule("O12")
def test_keys_are_global_across_customers(shop: Shop) -> None:
    sku, key = shop.add_product(stock=10), shop.new_idempotency_key()
    alice, bob = shop.new_customer("alice"), shop.new_customer("bob")
    first = body_of(shop.place_order(alice, [(sku, 2)], key), 201)

    with unchanged(shop, customers=[bob], orders=[first]):
        expect_problem(shop.place_order(bob, [(sku, 2)], key), 422, "idempotency-key-reuse")

    assert shop.orders_of(bob) == []


@pytest.mark.rule("O12", "O3")
def test_without_a_key_two_identical_posts_place_two_orders(shop: Shop) -> None:
    sku, customer = shop.add_product(stock=10), shop.new_customer()

    first = body_of(shop.place_order(customer, [(sku, 2)]), 201)
    second = body_of(shop.place_order(customer, [(sku, 2)]), 201)

    assert first["id"] != second["id"]
    assert {order["id"] for order in shop.orders_of(customer)} == {first["id"], second["id"]}
    assert shop.stock_of(sku) == 6
    assert shop.event_types_of(second["id"]) == ["OrderPlaced"]


INVALID_KEYS = {
    "empty": "",
    "65-chars": "k" * 65,
    "space": "two words",
    "tab": "tab\there",
    "non-ascii": "cl\u00e9",
}


@pytest.mark.rule("O12", "http", "values")
@pytest.mark.parametrize("key", list(INVALID_KEYS.values()), ids=list(INVALID_KEYS))
def test_an_invalid_idempotency_key_is_a_validation_error(shop: Shop, key: str) -> None:
    sku, customer = shop.add_product(stock=10), shop.new_customer()

    with unchanged(shop, skus=[sku], customers=[customer]):
        expect_invalid(shop.place_order(customer, [(sku, 2)], key), "Idempotency-Key")

    assert shop.orders_of(customer) == []


@pytest.mark.rule("O12", "http", "values")
def test_a_key_of_64_visible_ascii_characters_is_accepted(shop: Shop) -> None:
    sku, customer = shop.add_product(stock=10), shop.new_customer()
    key = (shop.new_idempotency_key() + PUNCTUATION).ljust(64, "~")
    assert len(key) == 64

    first = expect_status(shop.place_order(customer, [(sku, 2)], key), 201)

    repeat = expect_status(shop.place_order(customer, [(sku, 2)], key), 201)
    assert repeat.json() == first.json()
    assert shop.stock_of(sku) == 8
