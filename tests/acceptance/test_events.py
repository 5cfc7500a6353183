"""§4 domain events: one event per successful change, exact data, and the /events feed."""

from __future__ import annotations

from itertools import pairwise
from typing import Any, NamedTuple

import pytest

from tests.acceptance.dsl import Shop
from tests.acceptance.expectations import (
    body_of,
    event_lines,
    expect_event_shape,
    expect_one_new_event,
)


def _seqs(events: list[dict[str, Any]]) -> list[int]:
    return [int(event["seq"]) for event in events]


def _make_events(shop: Shop, count: int) -> list[dict[str, Any]]:
    """Record ``count`` events of a new order (placed, then amended); returns them."""
    sku = shop.add_product(stock=1000)
    order = shop.placed_order([(sku, 1)])
    for n in range(count - 1):
        body_of(shop.set_line(order["id"], sku, 2 + n % 2), 200)
    events = shop.events_of(order["id"])
    assert len(events) == count
    return events


@pytest.mark.rule("events", "O1", "O3")
def test_placing_records_order_placed_with_lines_sorted_by_sku(shop: Shop) -> None:
    zed = shop.add_product(price="12.50", label="ZED")
    abc = shop.add_product(price="2.00", label="ABC")
    customer = shop.new_customer()

    order = body_of(shop.place_order(customer, [(zed, 1), (abc, 3), (zed, 2)]), 201)

    event = expect_one_new_event(shop, order["id"], [], "OrderPlaced")
    assert event["data"] == {
        "customer_id": customer,
        "lines": event_lines([(abc, 3, "2.00"), (zed, 3, "12.50")]),
        "total": "43.50",
    }


class Amendment(NamedTuple):
    role: str  # which product: a and b are on the order, c is not
    quantity: int | None  # the quantity set, or None: the line is removed
    lines: list[tuple[str, int, str]]  # (role, quantity, unit price) afterwards
    total: str


AMENDMENTS = {
    "set-quantity": Amendment("b", 5, [("a", 1, "10.00"), ("b", 5, "2.50")], "22.50"),
    "add-line": Amendment("c", 4, [("a", 1, "10.00"), ("b", 2, "2.50"), ("c", 4, "1.25")], "20.00"),
    "remove-line": Amendment("b", None, [("a", 1, "10.00")], "10.00"),
}


@pytest.mark.rule("events", "O9")
@pytest.mark.parametrize("change", list(AMENDMENTS.values()), ids=list(AMENDMENTS))
def test_amending_records_order_amended_with_the_whole_new_list(
    shop: Shop, change: Amendment
) -> None:
    skus = {
        "a": shop.add_product(price="10.00", label="MID"),
        "b": shop.add_product(price="2.50", label="ZED"),
        "c": shop.add_product(price="1.25", label="ABC"),
    }
    order = shop.placed_order([(skus["a"], 1), (skus["b"], 2)])
    before = shop.events_of(order["id"])

    if change.quantity is None:
        amended = body_of(shop.remove_line(order["id"], skus[change.role]), 200)
    else:
        amended = body_of(shop.set_line(order["id"], skus[change.role], change.quantity), 200)

    assert amended["total"] == change.total
    event = expect_one_new_event(shop, order["id"], before, "OrderAmended")
    assert event["data"] == {
        "lines": event_lines([(skus[role], q, price) for role, q, price in change.lines]),
        "total": change.total,
    }


@pytest.mark.rule("events", "O10")
def test_paying_records_order_paid_with_the_payment_id_and_amount(shop: Shop) -> None:
    # An amount equal in value but written otherwise ("20"): test_values.py.
    order = shop.order_in_state("PENDING_PAYMENT")
    before = shop.events_of(order["id"])

    reply = shop.pay(order["id"], order["total"])

    body_of(reply, 200)
    event = expect_one_new_event(shop, order["id"], before, "OrderPaid")
    assert event["data"] == {"payment_id": reply.payment_id, "amount": order["total"]}


CANCELLATIONS = [
    ("PENDING_PAYMENT", "cancel", "customer", False),
    ("PAID", "cancel", "customer", True),
    ("PENDING_PAYMENT", "fail payment", "payment-failed", False),
]


@pytest.mark.rule("events", "O7", "O8")
@pytest.mark.parametrize(
    ("state", "action", "reason", "refund_due"),
    CANCELLATIONS,
    ids=[f"{state}-{action}" for state, action, _, _ in CANCELLATIONS],
)
def test_cancelling_records_order_cancelled_with_reason_and_refund(
    shop: Shop, state: str, action: str, reason: str, refund_due: bool
) -> None:
    order = shop.order_in_state(state)
    before = shop.events_of(order["id"])

    body_of(shop.act(action, order), 200)

    event = expect_one_new_event(shop, order["id"], before, "OrderCancelled")
    assert event["data"] == {"reason": reason, "refund_due": refund_due}


@pytest.mark.rule("events", "O11")
def test_shipping_records_order_shipped_with_empty_data(shop: Shop) -> None:
    order = shop.order_in_state("PAID")
    before = shop.events_of(order["id"])

    body_of(shop.ship(order["id"]), 200)

    event = expect_one_new_event(shop, order["id"], before, "OrderShipped")
    assert event["data"] == {}


@pytest.mark.rule("events")
def test_event_seq_strictly_increases_in_commit_order(shop: Shop) -> None:
    sku = shop.add_product()
    first = shop.placed_order([(sku, 1)])
    second = shop.placed_order([(sku, 2)])
    body_of(shop.set_line(second["id"], sku, 3), 200)
    body_of(shop.pay(first["id"], first["total"]), 200)
    body_of(shop.cancel(second["id"]), 200)
    body_of(shop.ship(first["id"]), 200)

    mine = [e for e in shop.new_events() if e["order_id"] in (first["id"], second["id"])]

    for event in mine:
        expect_event_shape(event)
    assert [(e["type"], e["order_id"]) for e in mine] == [
        ("OrderPlaced", first["id"]),
        ("OrderPlaced", second["id"]),
        ("OrderAmended", second["id"]),
        ("OrderPaid", first["id"]),
        ("OrderCancelled", second["id"]),
        ("OrderShipped", first["id"]),
    ]
    assert all(a < b for a, b in pairwise(_seqs(mine)))


@pytest.mark.rule("events", "P1", "P3", "P4")
def test_product_changes_record_no_event(shop: Shop) -> None:
    mark = shop.last_event_seq()
    sku = shop.add_product()

    body_of(shop.update_product(sku, name="Ink", price="3.10"), 200)
    body_of(shop.restock(sku, 5), 200)

    assert shop.events_since(mark) == []


@pytest.mark.rule("events", "http")
def test_the_feed_lists_events_after_the_given_seq_ascending(shop: Shop) -> None:
    mark = shop.last_event_seq()
    mine = _make_events(shop, 4)

    assert shop.event_feed(after=mine[0]["seq"])[:3] == mine[1:]
    assert shop.event_feed(after=mine[2]["seq"])[:1] == mine[3:]
    page = _seqs(shop.event_feed(after=mark))
    assert page[0] > mark
    assert all(a < b for a, b in pairwise(page))


@pytest.mark.rule("events", "http")
@pytest.mark.parametrize("limit", [1, 500])
def test_the_feed_limit_bounds_the_page(shop: Shop, limit: int) -> None:
    mark = shop.last_event_seq()
    mine = _make_events(shop, 3)

    assert shop.event_feed(after=mark, limit=limit)[: len(mine)] == mine[:limit]


@pytest.mark.rule("events", "http")
def test_the_feed_limit_defaults_to_100(shop: Shop) -> None:
    mark = shop.last_event_seq()
    mine = _make_events(shop, 101)

    assert shop.event_feed(after=mark) == mine[:100]


@pytest.mark.rule("events", "http")
@pytest.mark.parametrize(
    "after", [2**31, 2**63 - 1, 2**63, 10**40], ids=["2^31", "2^63-1", "2^63", "10^40"]
)
def test_an_after_beyond_every_seq_is_an_empty_page_however_large(shop: Shop, after: int) -> None:
    """The spec asks for an integer >= 0, so no size is refused: no event comes after it."""
    _make_events(shop, 1)

    assert shop.event_feed(after=after) == []


@pytest.mark.rule("events", "http")
def test_the_feed_starts_after_seq_0_by_default(shop: Shop) -> None:
    _make_events(shop, 3)

    first = shop.event_feed(limit=3)

    assert len(first) == 3
    assert first == shop.event_feed(after=0, limit=3)
    assert shop.event_feed() == shop.event_feed(after=0, limit=100)
