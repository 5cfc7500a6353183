"""O10: payment results from the payment provider, replays included.

A payment id already processed for an order is answered 200 with the order as it is (right
after the order is found, before any state or amount check); a refused event processes
nothing. Payment ids are scoped to their order.

Elsewhere: what a payment does to the order (PENDING_PAYMENT to PAID or CANCELLED, stock,
events) is a cell of the O7 table in test_lifecycle.py, and a failure's stock in its
exactly-once case; an amount equal in value ("20" for "20.00") in test_values.py; a state
that answers invalid-state before any amount check in test_bad_input.py.
"""

from __future__ import annotations

import pytest

from tests.acceptance.dsl import STOCK, TOTAL, Shop
from tests.acceptance.expectations import (
    body_of,
    expect_invalid,
    expect_problem,
    expect_status,
    unchanged,
)


@pytest.mark.rule("O10")
@pytest.mark.parametrize("amount", ["19.99", "20.01"])
def test_a_payment_of_another_amount_is_a_mismatch_and_changes_nothing(
    shop: Shop, amount: str
) -> None:
    order = shop.order_in_state("PENDING_PAYMENT")

    with unchanged(shop, orders=[order]):
        expect_problem(shop.pay(order["id"], amount), 409, "payment-mismatch")


@pytest.mark.rule("O10", "precedence")
@pytest.mark.parametrize(
    ("outcome", "amount"),
    [("succeeded", TOTAL), ("failed", TOTAL), ("succeeded", "19.99"), ("failed", "1.00")],
    ids=["same-event", "now-failed", "other-amount", "now-failed-other-amount"],
)
def test_a_processed_payment_id_is_answered_with_the_order_as_it_is(
    shop: Shop, outcome: str, amount: str
) -> None:
    order = shop.order_in_state("PENDING_PAYMENT")
    first = shop.pay(order["id"], TOTAL)
    paid = body_of(first, 200)

    with unchanged(shop, orders=[order]):
        replay = shop.payment_event(order["id"], outcome, amount, first.payment_id)

    assert body_of(replay, 200) == paid


@pytest.mark.rule("O10", "precedence")
@pytest.mark.parametrize("state", ["SHIPPED", "CANCELLED"])
def test_a_replayed_payment_after_the_order_moved_on_is_answered_200_not_409(
    shop: Shop, state: str
) -> None:
    order = shop.order_in_state("PENDING_PAYMENT")
    first = expect_status(shop.pay(order["id"], order["total"]), 200)
    now = body_of(shop.ship(order["id"]) if state == "SHIPPED" else shop.cancel(order["id"]), 200)
    assert now["status"] == state

    with unchanged(shop, orders=[order]):
        replay = shop.pay(order["id"], order["total"], first.payment_id)

    assert body_of(replay, 200) == now


@pytest.mark.rule("O10", "O8")
def test_a_replayed_failure_that_cancelled_the_order_returns_no_stock_again(shop: Shop) -> None:
    order = shop.order_in_state("PENDING_PAYMENT")
    failure = shop.fail_payment(order["id"], order["total"])
    cancelled = body_of(failure, 200)
    assert shop.stock_of(order["lines"][0]["sku"]) == STOCK

    with unchanged(shop, orders=[order]):
        replay = shop.pay(order["id"], order["total"], failure.payment_id)

    assert body_of(replay, 200) == cancelled
    assert shop.stock_of(order["lines"][0]["sku"]) == STOCK


@pytest.mark.rule("O10")
def test_a_refused_payment_event_processes_nothing_so_its_id_can_succeed_later(
    shop: Shop,
) -> None:
    order = shop.order_in_state("PENDING_PAYMENT")
    with unchanged(shop, orders=[order]):
        refused = shop.pay(order["id"], "19.99")
        expect_problem(refused, 409, "payment-mismatch")

    paid = body_of(shop.pay(order["id"], order["total"], refused.payment_id), 200)

    assert paid["status"] == "PAID"
    assert paid["payment_id"] == refused.payment_id
    assert shop.event_types_of(order["id"]) == ["OrderPlaced", "OrderPaid"]


@pytest.mark.rule("O10")
def test_a_payment_id_is_scoped_to_its_order(shop: Shop) -> None:
    first = shop.order_in_state("PENDING_PAYMENT")
    second = shop.order_in_state("PENDING_PAYMENT")
    payment = expect_status(shop.pay(first["id"], first["total"]), 200).payment_id

    paid = body_of(shop.pay(second["id"], second["total"], payment), 200)

    assert paid["status"] == "PAID"
    assert paid["payment_id"] == payment
    assert shop.event_types_of(second["id"]) == ["OrderPlaced", "OrderPaid"]


@pytest.mark.rule("O10")
def test_a_payment_for_an_unknown_order_is_not_found(shop: Shop) -> None:
    with unchanged(shop):
        expect_problem(shop.pay("no-such-order", "20.00"), 404, "not-found")


@pytest.mark.rule("O10", "values")
@pytest.mark.parametrize("outcome", ["succeeded", "failed"])
def test_a_payment_event_requires_an_amount_for_both_outcomes(shop: Shop, outcome: str) -> None:
    order = shop.order_in_state("PENDING_PAYMENT")
    event = {"payment_id": shop.new_payment_id(), "order_id": order["id"], "outcome": outcome}

    with unchanged(shop, orders=[order]):
        expect_invalid(shop.request("POST", "/payment-events", event), "amount")
