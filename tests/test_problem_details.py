"""Each variant's refusals, word for word: the ``detail`` of each problem it answers.

The spec fixes a problem's status and code, and only that its detail is a string: the shared
suite cannot hold a variant to its words, since each style may word its refusals its own way.
The detail is still what a client's user reads, so the variants' own tests pin their wording
here, over HTTP on each variant's app (the mutation benchmark counts this file among every
variant's own tests: a misspelt refusal is caught, not declared equivalent). The words are
the same in every style but where a style's shape shows through: the models refuse a
transition of their order's lifecycle, the transaction script the action it was asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kata import variants
from tests.acceptance.driver import Reply
from tests.acceptance.dsl import Shop
from tests.acceptance.expectations import body_of, expect_problem
from tests.acceptance.own_app import started

# What a refusal's words name: an order id, a SKU, a customer, a total.
Facts = Mapping[str, str]


@pytest.fixture(scope="module", params=variants.names())
def variant(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def shop(variant: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    folder: Path = tmp_path_factory.mktemp(variant)
    with started(variant, f"sqlite:///{folder / 'kata.sqlite3'}") as shop:
        yield shop


def _cancel_shipped(shop: Shop) -> tuple[Reply, Facts]:
    order = shop.order_in_state("SHIPPED")
    return shop.cancel(order["id"]), {}


def _ship_unpaid(shop: Shop) -> tuple[Reply, Facts]:
    order = shop.order_in_state("PENDING_PAYMENT")
    return shop.ship(order["id"]), {}


def _set_line_of_paid(shop: Shop) -> tuple[Reply, Facts]:
    order = shop.order_in_state("PAID")
    reply = shop.set_line(order["id"], order["lines"][0]["sku"], 5)
    return reply, {}


def _remove_line_of_paid(shop: Shop) -> tuple[Reply, Facts]:
    order = shop.order_in_state("PAID")
    reply = shop.remove_line(order["id"], order["lines"][0]["sku"])
    return reply, {}


def _remove_last_line(shop: Shop) -> tuple[Reply, Facts]:
    order = shop.order_in_state("PENDING_PAYMENT")
    reply = shop.remove_line(order["id"], order["lines"][0]["sku"])
    return reply, {}


def _remove_missing_line(shop: Shop) -> tuple[Reply, Facts]:
    order = shop.order_in_state("PENDING_PAYMENT")
    other = shop.add_product()
    reply = shop.remove_line(order["id"], other)
    return reply, {"order_id": order["id"], "sku": other}


def _place_unknown_product(shop: Shop) -> tuple[Reply, Facts]:
    reply = shop.place_order(shop.new_customer(), [(shop.new_sku(), 1)])
    return reply, {}


def _place_beyond_stock(shop: Shop) -> tuple[Reply, Facts]:
    reply = shop.place_order(shop.new_customer(), [(shop.add_product(stock=1), 2)])
    return reply, {}


def _place_fourth_unpaid(shop: Shop) -> tuple[Reply, Facts]:
    customer = shop.new_customer()
    sku = shop.add_product()
    shop.placed_orders(3, [(sku, 1)], customer)
    return shop.place_order(customer, [(sku, 1)]), {"customer": customer}


def _reuse_idempotency_key(shop: Shop) -> tuple[Reply, Facts]:
    key, sku = shop.new_idempotency_key(), shop.add_product()
    body_of(shop.place_order(shop.new_customer(), [(sku, 1)], key), 201)
    reply = shop.place_order(shop.new_customer(), [(sku, 2)], key)
    return reply, {}


def _pay_cancelled(shop: Shop) -> tuple[Reply, Facts]:
    order = shop.order_in_state("CANCELLED")
    reply = shop.pay(order["id"], order["total"])
    return reply, {}


def _pay_too_little(shop: Shop) -> tuple[Reply, Facts]:
    order = shop.order_in_state("PENDING_PAYMENT")
    return shop.pay(order["id"], "0.01"), {"total": order["total"]}


def _set_line_of_unknown_product(shop: Shop) -> tuple[Reply, Facts]:
    order = shop.order_in_state("PENDING_PAYMENT")
    sku = shop.new_sku()
    return shop.set_line(order["id"], sku, 1), {"sku": sku}


# The variants whose order is a model with a lifecycle of its own (the transaction script's
# is a column each script checks), and those whose placement and line changes look products
# up together (``unknown-product`` lists them all).
MODELS = ("domain_model", "aggregate", "hexagonal", "event_sourced", "microservices")
PRODUCTS_TOGETHER = ("aggregate", "hexagonal", "event_sourced", "microservices")


@dataclass(frozen=True)
class Refusal:
    provoke: Callable[[Shop], tuple[Reply, Facts]]
    status: int
    code: str
    words: str  # a template of the facts provoke returns
    words_of: Mapping[str, str] = field(default_factory=dict)  # a variant's own template

    def expected(self, variant: str, facts: Facts) -> str:
        return self.words_of.get(variant, self.words).format(**facts)


def _of(names: tuple[str, ...], words: str) -> dict[str, str]:
    return dict.fromkeys(names, words)


REFUSALS = {
    "cancel-shipped": Refusal(
        _cancel_shipped,
        409,
        "invalid-state",
        "Cannot cancel an order in status SHIPPED.",
        _of(MODELS, "An order in status SHIPPED cannot become CANCELLED."),
    ),
    "ship-unpaid": Refusal(
        _ship_unpaid,
        409,
        "invalid-state",
        "Cannot ship an order in status PENDING_PAYMENT.",
        _of(MODELS, "An order in status PENDING_PAYMENT cannot become SHIPPED."),
    ),
    "set-line-of-paid": Refusal(
        _set_line_of_paid,
        409,
        "invalid-state",
        "Cannot change the lines of an order in status PAID.",
    ),
    "remove-line-of-paid": Refusal(
        _remove_line_of_paid,
        409,
        "invalid-state",
        "Cannot change the lines of an order in status PAID.",
    ),
    "remove-last-line": Refusal(
        _remove_last_line,
        409,
        "last-line",
        "An order keeps at least one line; cancel it instead.",
    ),
    "remove-missing-line": Refusal(
        _remove_missing_line, 404, "not-found", "Order {order_id} has no line for {sku}."
    ),
    "place-unknown-product": Refusal(
        _place_unknown_product, 422, "unknown-product", "Some products are not in the catalogue."
    ),
    "place-beyond-stock": Refusal(
        _place_beyond_stock, 409, "insufficient-stock", "Not enough stock for every line."
    ),
    "place-fourth-unpaid": Refusal(
        _place_fourth_unpaid,
        409,
        "too-many-open-orders",
        "{customer} already has 3 unpaid orders.",
    ),
    "reuse-idempotency-key": Refusal(
        _reuse_idempotency_key,
        422,
        "idempotency-key-reuse",
        "This Idempotency-Key was used with another request.",
    ),
    "pay-cancelled": Refusal(
        _pay_cancelled,
        409,
        "invalid-state",
        "Cannot record a succeeded payment for an order in status CANCELLED.",
        _of(MODELS, "Cannot pay an order in status CANCELLED."),
    ),
    "pay-too-little": Refusal(
        _pay_too_little, 409, "payment-mismatch", "Paid 0.01, but the total is {total}."
    ),
    "set-line-of-unknown-product": Refusal(
        _set_line_of_unknown_product,
        422,
        "unknown-product",
        "No product with SKU {sku}.",
        _of(PRODUCTS_TOGETHER, "Some products are not in the catalogue."),
    ),
}


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_each_refusal_reads_as_the_variant_words_it(variant: str, shop: Shop, refusal: str) -> None:
    expected = REFUSALS[refusal]
    reply, facts = expected.provoke(shop)
    detail = expect_problem(reply, expected.status, expected.code)["detail"]
    assert detail == expected.expected(variant, facts)
