"""The ``Order`` aggregate as a fold of its stream.

Three claims, each on the aggregate alone (no database): replaying a stream gives the state
the events describe; a command raises exactly the events that say what happened (and a
refused command raises none and changes nothing); ``version`` counts every event applied
while ``loaded_version`` stays where the stream was, which is what the store appends against.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kata.event_sourced.domain import ordering
from kata.event_sourced.domain.errors import (
    DomainError,
    InsufficientStock,
    InvalidState,
    LastLine,
    NotFound,
    OrderLimitExceeded,
    PaymentMismatch,
    TooManyLines,
    TooManyOpenOrders,
)
from kata.event_sourced.domain.events import (
    OrderAmended,
    OrderCancelled,
    OrderEvent,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    PaymentFailed,
    StockReleased,
    StockReserved,
)
from kata.event_sourced.domain.order import Order
from kata.event_sourced.domain.values import OrderStatus, Quantity, Sku
from tests.event_sourced.builders import (
    CUSTOMER,
    NOW,
    ORDER_ID,
    PAYMENT_ID,
    a_product,
    an_order,
    line,
    money,
    raised,
    state_of,
)
from tests.messages import exactly

PAID = OrderPaid(ORDER_ID, PAYMENT_ID, money("25.00"))


# --- replay: the state is the fold of the stream ------------------------------------------------


def test_a_replayed_stream_gives_the_state_its_events_describe() -> None:
    amended = OrderAmended(ORDER_ID, (line("SKU-A", 3, "10.00"),), money("30.00"))

    order = an_order(amended, OrderPaid(ORDER_ID, PAYMENT_ID, money("30.00")))

    assert (order.id, order.customer_id, order.created_at) == (ORDER_ID, CUSTOMER, NOW)
    assert order.status is OrderStatus.PAID
    assert [(ln.sku.code, ln.quantity, str(ln.unit_price)) for ln in order.lines] == [
        ("SKU-A", 3, "10.00")
    ]
    assert order.totals.total == money("30.00")
    assert order.payment_id == PAYMENT_ID
    assert (order.version, order.loaded_version) == (3, 3)
    assert raised(order) == []  # replaying raises nothing: the events are stored already


@pytest.mark.parametrize(
    ("stream", "status", "reason", "refund_due"),
    [
        ((), OrderStatus.PENDING_PAYMENT, None, False),
        ((PAID, OrderShipped(ORDER_ID)), OrderStatus.SHIPPED, None, False),
        ((OrderCancelled(ORDER_ID, "customer", False),), OrderStatus.CANCELLED, "customer", False),
        (
            (PAID, OrderCancelled(ORDER_ID, "customer", True)),
            OrderStatus.CANCELLED,
            "customer",
            True,
        ),
        (
            (PaymentFailed(ORDER_ID, "p9"), OrderCancelled(ORDER_ID, "payment-failed", False)),
            OrderStatus.CANCELLED,
            "payment-failed",
            False,
        ),
    ],
    ids=["placed", "shipped", "cancelled", "refund-due", "payment-failed"],
)
def test_the_status_is_the_last_lifecycle_event(
    stream: tuple[OrderEvent, ...], status: OrderStatus, reason: str | None, refund_due: bool
) -> None:
    order = an_order(*stream)

    assert (order.status, order.cancel_reason, order.refund_due) == (status, reason, refund_due)
    assert order.version == 1 + len(stream)


def test_an_order_made_by_commands_equals_its_stream_replayed() -> None:
    product_a, product_b = a_product(sku="SKU-A"), a_product(sku="SKU-B")
    order = ordering.place_order(
        CUSTOMER, [(product_a, Quantity(2)), (product_b, Quantity(1))], 0, NOW
    )
    ordering.set_line(order, product_a, Quantity(5))
    ordering.remove_line(order, Sku("SKU-B"), {product_b.sku: product_b})
    order.pay(PAYMENT_ID, order.totals.total)

    replayed = Order.replay(raised(order))

    assert state_of(replayed) == state_of(order)
    assert replayed.version == order.version == 4


# --- commands raise exactly their events --------------------------------------------------------


def test_placing_raises_one_order_placed_with_merged_sorted_lines_and_the_total() -> None:
    items = [
        (Sku("SKU-B"), Quantity(1), money("60.00")),
        (Sku("SKU-A"), Quantity(2), money("10.00")),
        (Sku("SKU-B"), Quantity(1), money("60.00")),
    ]

    order = Order.place(CUSTOMER, items, open_orders=0, now=NOW)

    assert (order.version, order.loaded_version) == (1, 0)  # a new stream: append at 0
    assert raised(order) == [
        OrderPlaced(
            order.id,
            CUSTOMER,
            (line("SKU-A", 2, "10.00"), line("SKU-B", 2, "60.00")),
            money("133.00"),  # 140.00 less 5 % (O4)
            NOW,
        )
    ]


@pytest.mark.parametrize(
    ("command", "events"),
    [
        (
            lambda order: order.set_line(Sku("SKU-C"), Quantity(1), money("1.00")),
            [
                OrderAmended(
                    ORDER_ID,
                    (line("SKU-A", 2, "10.00"), line("SKU-B", 1, "5.00"), line("SKU-C", 1, "1.00")),
                    money("26.00"),
                )
            ],
        ),
        (lambda order: order.pay(PAYMENT_ID, money("25.00")), [PAID]),
        (lambda order: order.cancel(), [OrderCancelled(ORDER_ID, "customer", False)]),
        (
            lambda order: order.fail_payment("p9"),
            [PaymentFailed(ORDER_ID, "p9"), OrderCancelled(ORDER_ID, "payment-failed", False)],
        ),
    ],
    ids=["set-line", "pay", "cancel", "fail-payment"],
)
def test_a_command_on_a_pending_order_raises_exactly_its_events(
    command: Callable[[Order], object], events: list[object]
) -> None:
    order = an_order()

    command(order)

    assert (order.version, order.loaded_version) == (1 + len(events), 1)
    assert raised(order) == events
    assert (order.version, order.loaded_version) == (1 + len(events), 1 + len(events))


def test_cancelling_a_paid_order_raises_a_refund_due_cancellation() -> None:
    order = an_order(PAID)

    order.cancel()

    assert raised(order) == [OrderCancelled(ORDER_ID, "customer", True)]


def test_shipping_a_paid_order_raises_order_shipped() -> None:
    order = an_order(PAID)

    order.ship()

    assert raised(order) == [OrderShipped(ORDER_ID)]


@pytest.mark.parametrize(
    ("stream", "command"),
    [
        ((), lambda order: order.set_line(Sku("SKU-A"), Quantity(2), money("99.00"))),
        ((PAID,), lambda order: order.pay(PAYMENT_ID, money("25.00"))),  # a repeat (O10)
        ((PAID,), lambda order: order.fail_payment(PAYMENT_ID)),  # the same payment (O10)
        (  # a failure the stream recorded is known again after replay (O10)
            (PaymentFailed(ORDER_ID, "p9"), OrderCancelled(ORDER_ID, "payment-failed", False)),
            lambda order: order.fail_payment("p9"),
        ),
    ],
    ids=["same-quantity", "repeated-payment", "repeated-payment-as-failure", "repeated-failure"],
)
def test_a_command_that_changes_nothing_raises_nothing(
    stream: tuple[OrderEvent, ...], command: Callable[[Order], object]
) -> None:
    order = an_order(*stream)
    before = state_of(order)

    command(order)

    assert raised(order) == []
    assert (order.version, state_of(order)) == (1 + len(stream), before)


# --- refused commands raise nothing ----------------------------------------------------------


@pytest.mark.parametrize(
    ("stream", "command", "refusal"),
    [
        ((), lambda order: order.pay(PAYMENT_ID, money("24.99")), PaymentMismatch),
        ((), lambda order: order.ship(), InvalidState),
        (
            (PAID,),
            lambda order: order.set_line(Sku("SKU-C"), Quantity(1), money("1.00")),
            InvalidState,
        ),
        ((PAID, OrderShipped(ORDER_ID)), lambda order: order.cancel(), InvalidState),
        ((), lambda order: order.remove_line(Sku("SKU-C")), NotFound),
        (
            (OrderAmended(ORDER_ID, (line("SKU-A", 1, "10.00"),), money("10.00")),),
            lambda order: order.remove_line(Sku("SKU-A")),
            LastLine,
        ),
        (
            (),
            lambda order: order.set_line(Sku("SKU-C"), Quantity(1000), money("99.99")),
            OrderLimitExceeded,
        ),
    ],
    ids=[
        "wrong-amount",
        "ship-unpaid",
        "amend-paid",
        "cancel-shipped",
        "no-such-line",
        "last-line",
        "over-the-limit",
    ],
)
def test_a_refused_command_raises_no_event_and_changes_nothing(
    stream: tuple[OrderEvent, ...], command: Callable[[Order], object], refusal: type[DomainError]
) -> None:
    order = an_order(*stream)
    before = state_of(order)

    with pytest.raises(refusal):
        command(order)

    assert raised(order) == []
    assert (order.version, order.loaded_version) == (1 + len(stream), 1 + len(stream))
    assert state_of(order) == before


def test_a_fourth_open_order_is_refused_before_any_event() -> None:
    with pytest.raises(TooManyOpenOrders):
        Order.place(CUSTOMER, [(Sku("SKU-A"), Quantity(1), money("1.00"))], 3, NOW)


def test_an_order_needs_at_least_one_line() -> None:
    """O1: an order of no items is no order."""
    with pytest.raises(ValueError, match=exactly("An order needs at least one line.")):
        Order.place(CUSTOMER, [], 0, NOW)


def test_an_order_of_21_lines_is_refused() -> None:
    """O1: at most 20 lines, counted after items of one SKU merge."""
    items = [(Sku(f"SKU-{n:02}"), Quantity(1), money("1.00")) for n in range(21)]

    with pytest.raises(TooManyLines) as refused:
        Order.place(CUSTOMER, items, 0, NOW)

    # The detail is the problem's; the exception's own text (a log shows it) is the same.
    assert refused.value.detail == str(refused.value) == "An order has at most 20 lines."


def test_a_failed_payment_of_a_paid_order_is_refused_and_raises_nothing() -> None:
    """O10: only a pending order's payment can fail; a paid order stays paid."""
    order = an_order(PAID)
    refused = exactly("Cannot fail the payment of an order in status PAID.")

    with pytest.raises(InvalidState, match=refused):
        order.fail_payment("payment-2")

    assert raised(order) == []
    assert order.status is OrderStatus.PAID


# --- the domain service raises on the order and its products together -------------------------


def test_placing_reserves_each_line_on_its_product_in_the_same_breath() -> None:
    product_a, product_b = a_product(sku="SKU-A"), a_product(sku="SKU-B")

    order = ordering.place_order(
        CUSTOMER, [(product_b, Quantity(1)), (product_a, Quantity(2))], 0, NOW
    )

    assert [type(event) for event in raised(order)] == [OrderPlaced]
    assert raised(product_a) == [StockReserved("SKU-A", order.id, 2)]
    assert raised(product_b) == [StockReserved("SKU-B", order.id, 1)]


def test_a_short_line_refuses_the_placement_and_no_product_raises_anything() -> None:
    plenty, short = a_product(sku="SKU-A"), a_product(sku="SKU-B", stock=1)

    with pytest.raises(InsufficientStock) as refused:
        ordering.place_order(CUSTOMER, [(plenty, Quantity(2)), (short, Quantity(2))], 0, NOW)

    assert refused.value.skus == ["SKU-B"]  # rule: O3
    assert raised(plenty) == raised(short) == []
    assert (plenty.stock, short.stock) == (100, 1)


def test_amending_moves_the_difference_on_the_product_in_the_orders_name() -> None:
    """O9: more units are reserved, fewer released, a removed line's all given back."""
    order = an_order()  # SKU-A 2, SKU-B 1
    product_a, product_b = a_product(sku="SKU-A"), a_product(sku="SKU-B", stock=99)

    ordering.set_line(order, product_a, Quantity(5))
    ordering.set_line(order, product_a, Quantity(4))
    ordering.remove_line(order, Sku("SKU-B"), {product_b.sku: product_b})

    assert raised(product_a) == [
        StockReserved("SKU-A", ORDER_ID, 3),
        StockReleased("SKU-A", ORDER_ID, 1),
    ]
    assert raised(product_b) == [StockReleased("SKU-B", ORDER_ID, 1)]
    assert (product_a.stock, product_b.stock) == (98, 100)


def test_cancelling_releases_every_line_once() -> None:
    order = an_order()
    products = {Sku(sku): a_product(sku=sku, stock=98) for sku in ("SKU-A", "SKU-B")}

    ordering.cancel(order, products)

    assert raised(order) == [OrderCancelled(ORDER_ID, "customer", False)]
    assert raised(products[Sku("SKU-A")]) == [StockReleased("SKU-A", ORDER_ID, 2)]
    assert raised(products[Sku("SKU-B")]) == [StockReleased("SKU-B", ORDER_ID, 1)]
    with pytest.raises(InvalidState):  # rule: O8 (CANCELLED is final: no second release)
        ordering.cancel(order, products)
    assert all(raised(product) == [] for product in products.values())
