"""transaction_script's refusals, word for word: the ``detail`` of each problem it answers.

The spec fixes a problem's status and code, and only that its detail is a string: the shared
suite cannot hold a variant to its words, since each style may word its refusals its own way.
The detail is still what a client's user reads, so the variant's own tests pin its wording
here, over HTTP on the variant's app (the mutation benchmark counts these as the variant's
own tests: a misspelt refusal is caught, not declared equivalent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.acceptance.driver import Reply
from tests.acceptance.dsl import Shop
from tests.acceptance.expectations import body_of, expect_problem
from tests.acceptance.own_app import started


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    folder: Path = tmp_path_factory.mktemp("transaction_script")
    with started("transaction_script", f"sqlite:///{folder / 'kata.sqlite3'}") as shop:
        yield shop


def _cancel_shipped(shop: Shop) -> tuple[Reply, str]:
    order = shop.order_in_state("SHIPPED")
    return shop.cancel(order["id"]), "Cannot cancel an order in status SHIPPED."


def _ship_unpaid(shop: Shop) -> tuple[Reply, str]:
    order = shop.order_in_state("PENDING_PAYMENT")
    return shop.ship(order["id"]), "Cannot ship an order in status PENDING_PAYMENT."


def _set_line_of_paid(shop: Shop) -> tuple[Reply, str]:
    order = shop.order_in_state("PAID")
    reply = shop.set_line(order["id"], order["lines"][0]["sku"], 5)
    return reply, "Cannot change the lines of an order in status PAID."


def _remove_line_of_paid(shop: Shop) -> tuple[Reply, str]:
    order = shop.order_in_state("PAID")
    reply = shop.remove_line(order["id"], order["lines"][0]["sku"])
    return reply, "Cannot change the lines of an order in status PAID."


def _remove_last_line(shop: Shop) -> tuple[Reply, str]:
    order = shop.order_in_state("PENDING_PAYMENT")
    reply = shop.remove_line(order["id"], order["lines"][0]["sku"])
    return reply, "An order keeps at least one line; cancel it instead."


def _remove_missing_line(shop: Shop) -> tuple[Reply, str]:
    order = shop.order_in_state("PENDING_PAYMENT")
    other = shop.add_product()
    reply = shop.remove_line(order["id"], other)
    return reply, f"Order {order['id']} has no line for {other}."


def _place_unknown_product(shop: Shop) -> tuple[Reply, str]:
    reply = shop.place_order(shop.new_customer(), [(shop.new_sku(), 1)])
    return reply, "Some products are not in the catalogue."


def _place_beyond_stock(shop: Shop) -> tuple[Reply, str]:
    reply = shop.place_order(shop.new_customer(), [(shop.add_product(stock=1), 2)])
    return reply, "Not enough stock for every line."


def _place_fourth_unpaid(shop: Shop) -> tuple[Reply, str]:
    customer = shop.new_customer()
    sku = shop.add_product()
    shop.placed_orders(3, [(sku, 1)], customer)
    return shop.place_order(customer, [(sku, 1)]), f"{customer} already has 3 unpaid orders."


def _reuse_idempotency_key(shop: Shop) -> tuple[Reply, str]:
    key, sku = shop.new_idempotency_key(), shop.add_product()
    body_of(shop.place_order(shop.new_customer(), [(sku, 1)], key), 201)
    reply = shop.place_order(shop.new_customer(), [(sku, 2)], key)
    return reply, "This Idempotency-Key was used with another request."


def _pay_cancelled(shop: Shop) -> tuple[Reply, str]:
    order = shop.order_in_state("CANCELLED")
    reply = shop.pay(order["id"], order["total"])
    return reply, "Cannot record a succeeded payment for an order in status CANCELLED."


def _pay_too_little(shop: Shop) -> tuple[Reply, str]:
    order = shop.order_in_state("PENDING_PAYMENT")
    return shop.pay(order["id"], "0.01"), f"Paid 0.01, but the total is {order['total']}."


def _set_line_of_unknown_product(shop: Shop) -> tuple[Reply, str]:
    order = shop.order_in_state("PENDING_PAYMENT")
    sku = shop.new_sku()
    return shop.set_line(order["id"], sku, 1), f"No product with SKU {sku}."


# Each refusal: how to provoke it, and (status, code) the spec gives it.
REFUSALS: dict[str, tuple[Callable[[Shop], tuple[Reply, str]], int, str]] = {
    "cancel-shipped": (_cancel_shipped, 409, "invalid-state"),
    "ship-unpaid": (_ship_unpaid, 409, "invalid-state"),
    "set-line-of-paid": (_set_line_of_paid, 409, "invalid-state"),
    "remove-line-of-paid": (_remove_line_of_paid, 409, "invalid-state"),
    "remove-last-line": (_remove_last_line, 409, "last-line"),
    "remove-missing-line": (_remove_missing_line, 404, "not-found"),
    "place-unknown-product": (_place_unknown_product, 422, "unknown-product"),
    "place-beyond-stock": (_place_beyond_stock, 409, "insufficient-stock"),
    "place-fourth-unpaid": (_place_fourth_unpaid, 409, "too-many-open-orders"),
    "reuse-idempotency-key": (_reuse_idempotency_key, 422, "idempotency-key-reuse"),
    "pay-cancelled": (_pay_cancelled, 409, "invalid-state"),
    "pay-too-little": (_pay_too_little, 409, "payment-mismatch"),
    "set-line-of-unknown-product": (_set_line_of_unknown_product, 422, "unknown-product"),
}


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_each_refusal_reads_as_the_variant_words_it(shop: Shop, refusal: str) -> None:
    provoke, status, code = REFUSALS[refusal]
    reply, words = provoke(shop)
    assert expect_problem(reply, status, code)["detail"] == words
