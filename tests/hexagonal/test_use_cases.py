"""The use cases of the hexagonal variant, run whole through the inbound ports.

``bootstrap.use_cases`` builds the inside on the in-memory outbound adapters: the commands
go in as an inbound adapter would send them, results and refusals come back, and no
database, Flask app or broker is involved. Every refusal is checked to change nothing
(``shop.snapshot()``: products, orders and events as the ports show them).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest

from kata.hexagonal.application.ports.errors import ConcurrentModification, IdempotencyKeyReuse
from kata.hexagonal.application.ports.inbound import (
    ChangeProduct,
    ListOrders,
    OrderView,
    ProductView,
    ReadEvents,
    RecordPaymentResult,
    RemoveLine,
    Restock,
    SetLine,
)
from kata.hexagonal.application.ports.outbound import (
    Conflict,
    EventRecord,
    IdempotencyKeys,
    OrderRepository,
    ProductRepository,
    UnitOfWork,
    UnitOfWorkFactory,
)
from kata.hexagonal.application.services import unit
from kata.hexagonal.application.services.events import RELAY_BATCH, OutboxRelay
from kata.hexagonal.application.services.unit import ATTEMPTS
from kata.hexagonal.domain.errors import (
    DuplicateSku,
    InsufficientStock,
    InvalidState,
    LastLine,
    NotFound,
    OrderLimitExceeded,
    PaymentMismatch,
    StockLimitExceeded,
    TooManyLines,
    TooManyOpenOrders,
    UnknownProduct,
)
from kata.hexagonal.domain.money import Money
from tests.hexagonal.builders import (
    CUSTOMER,
    EVERYTHING,
    NOW,
    PAYMENT_ID,
    STOCK,
    Shop,
    a_relay,
    a_shop,
    place_command,
)

FIRST_ID = "00000000-0000-0000-0000-000000000001"


@pytest.fixture
def shop() -> Shop:
    return a_shop()


def money(text: str) -> Money:
    return Money.of(text)


def lines_of(order: OrderView) -> list[tuple[str, int, str, str]]:
    return [
        (line.sku, line.quantity, str(line.unit_price), str(line.line_total))
        for line in order.lines
    ]


# --- catalogue (P1-P4) -------------------------------------------------------------------------


def test_registered_products_are_shown_and_listed_by_sku(shop: Shop) -> None:
    registered = shop.add_product("SKU-B", "12.50", 7, name="Beta")
    shop.add_product("SKU-A", "3.00", 0, name="Alpha")

    assert registered == ProductView("SKU-B", "Beta", money("12.50"), 7)
    assert shop.cases.catalogue.get("SKU-B") == registered
    assert [product.sku for product in shop.cases.catalogue.list()] == ["SKU-A", "SKU-B"]


def test_registering_an_existing_sku_is_refused_and_changes_nothing(shop: Shop) -> None:
    shop.add_product("SKU-A", "10.00", 5)
    before = shop.snapshot()

    with pytest.raises(DuplicateSku):
        shop.add_product("SKU-A", "99.00", 1)

    assert shop.snapshot() == before


def test_changing_a_product_sets_only_the_fields_given(shop: Shop) -> None:
    shop.add_product("SKU-A", "10.00", 5, name="Old")

    renamed = shop.cases.catalogue.change(ChangeProduct("SKU-A", "New", None))
    repriced = shop.cases.catalogue.change(ChangeProduct("SKU-A", None, Decimal("11.5")))

    assert renamed == ProductView("SKU-A", "New", money("10.00"), 5)
    assert repriced == ProductView("SKU-A", "New", money("11.50"), 5)
    assert shop.cases.catalogue.get("SKU-A") == repriced


def test_restocking_adds_units_up_to_the_cap(shop: Shop) -> None:
    shop.add_product("SKU-A", stock=9_999_000)

    assert shop.cases.catalogue.restock(Restock("SKU-A", 1000)).stock == 10_000_000
    before = shop.snapshot()
    with pytest.raises(StockLimitExceeded):
        shop.cases.catalogue.restock(Restock("SKU-A", 1))
    assert shop.snapshot() == before


def test_stock_returned_by_a_cancellation_may_exceed_the_restock_cap(shop: Shop) -> None:
    shop.add_product("SKU-A", stock=10_000_000)
    order = shop.place(("SKU-A", 5))
    shop.cases.catalogue.restock(Restock("SKU-A", 5))

    shop.cases.ordering.cancel(order.id)

    assert shop.stock("SKU-A") == {"SKU-A": 10_000_005}


@pytest.mark.parametrize(
    "use",
    [
        lambda shop: shop.cases.catalogue.get("SKU-X"),
        lambda shop: shop.cases.catalogue.change(ChangeProduct("SKU-X", "Name", None)),
        lambda shop: shop.cases.catalogue.restock(Restock("SKU-X", 1)),
    ],
    ids=["get", "change", "restock"],
)
def test_an_unknown_sku_is_not_found(shop: Shop, use: Callable[[Shop], object]) -> None:
    with pytest.raises(NotFound):
        use(shop)


def test_a_price_change_applies_to_later_orders_only(shop: Shop) -> None:
    first = shop.an_order()
    shop.cases.catalogue.change(ChangeProduct("SKU-A", None, Decimal("20.00")))

    second = shop.place(("SKU-A", 1))

    assert shop.cases.ordering.get(first.id) == first  # rule: P4, O2
    assert lines_of(second) == [("SKU-A", 1, "20.00", "20.00")]


# --- placing (O1-O6) ---------------------------------------------------------------------------


def test_placing_reserves_stock_prices_the_order_and_records_order_placed(shop: Shop) -> None:
    shop.add_product("SKU-A", "10.00")
    shop.add_product("SKU-B", "5.00")
    shop.tick()

    order = shop.place(("SKU-B", 1), ("SKU-A", 2))

    assert order == OrderView(
        id=FIRST_ID,
        customer_id=CUSTOMER,
        status="PENDING_PAYMENT",
        lines=order.lines,
        subtotal=money("25.00"),
        discount=money("0.00"),
        total=money("25.00"),
        payment_id=None,
        cancel_reason=None,
        refund_due=False,
        created_at=NOW + timedelta(seconds=1),
    )
    assert lines_of(order) == [("SKU-A", 2, "10.00", "20.00"), ("SKU-B", 1, "5.00", "5.00")]
    assert shop.stock("SKU-A", "SKU-B") == {"SKU-A": STOCK - 2, "SKU-B": STOCK - 1}
    assert shop.cases.ordering.get(order.id) == order
    [placed] = shop.events()
    assert (placed.type, placed.order_id, placed.occurred_at) == (
        "OrderPlaced",
        order.id,
        NOW + timedelta(seconds=1),
    )
    assert placed.data == {
        "customer_id": CUSTOMER,
        "lines": [
            {"sku": "SKU-A", "quantity": 2, "unit_price": "10.00"},
            {"sku": "SKU-B", "quantity": 1, "unit_price": "5.00"},
        ],
        "total": "25.00",
    }


def test_items_of_one_sku_are_merged_into_one_line(shop: Shop) -> None:
    shop.add_product("SKU-A", "1.00")

    order = shop.place(("SKU-A", 2), ("SKU-A", 3))

    assert lines_of(order) == [("SKU-A", 5, "1.00", "5.00")]  # rule: O1
    assert shop.stock("SKU-A") == {"SKU-A": STOCK - 5}


@pytest.mark.parametrize(
    ("price", "discount", "total"),
    [
        ("99.99", "0.00", "99.99"),
        ("100.00", "5.00", "95.00"),
        ("100.10", "5.01", "95.09"),  # 5.005 rounds half-up
        ("499.99", "25.00", "474.99"),  # 24.9995 rounds half-up
        ("500.00", "50.00", "450.00"),
        ("1234.55", "123.46", "1111.09"),  # 123.455 rounds half-up
    ],
)
def test_the_discount_tier_follows_the_subtotal(
    shop: Shop, price: str, discount: str, total: str
) -> None:
    shop.add_product("SKU-A", price)

    order = shop.place(("SKU-A", 1))

    assert (str(order.subtotal), str(order.discount), str(order.total)) == (price, discount, total)


def test_an_order_total_may_reach_the_limit_but_not_exceed_it(shop: Shop) -> None:
    shop.add_product("SKU-A", "11111.11")  # 10 % off: 10000.00
    shop.add_product("SKU-B", "11111.12")  # 10 % off (1111.112 rounds to 1111.11): 10000.01

    assert str(shop.place(("SKU-A", 1)).total) == "10000.00"
    before = shop.snapshot()
    with pytest.raises(OrderLimitExceeded):  # rule: O5
        shop.place(("SKU-B", 1))
    assert shop.snapshot() == before


def test_a_short_line_refuses_the_whole_order_naming_every_short_sku(shop: Shop) -> None:
    shop.add_product("SKU-C", stock=1)
    shop.add_product("SKU-A", stock=1)
    shop.add_product("SKU-B", stock=10)
    before = shop.snapshot()

    with pytest.raises(InsufficientStock) as refused:
        shop.place(("SKU-C", 2), ("SKU-B", 10), ("SKU-A", 2))

    assert refused.value.skus == ["SKU-A", "SKU-C"]  # rule: O3
    assert shop.snapshot() == before


def test_unknown_products_are_named_before_any_stock_is_checked(shop: Shop) -> None:
    shop.add_product("SKU-A", stock=0)
    before = shop.snapshot()

    with pytest.raises(UnknownProduct) as refused:
        shop.place(("SKU-Z", 1), ("SKU-A", 1), ("SKU-Y", 1))

    assert refused.value.skus == ["SKU-Y", "SKU-Z"]
    assert shop.snapshot() == before


def test_a_customer_may_have_three_unpaid_orders_and_not_a_fourth(shop: Shop) -> None:
    orders = [shop.an_order() for _ in range(3)]
    shop.place(("SKU-A", 1), customer_id="someone-else")
    before = shop.snapshot()

    with pytest.raises(TooManyOpenOrders):  # rule: O6
        shop.an_order()
    assert shop.snapshot() == before

    shop.pay(orders[0])  # a paid order is not open
    shop.an_order()
    shop.cases.ordering.cancel(orders[1].id)  # nor is a cancelled one
    shop.an_order()


def test_an_order_has_at_most_twenty_lines(shop: Shop) -> None:
    skus = [f"SKU-{n:02}" for n in range(1, 22)]
    for sku in skus:
        shop.add_product(sku, "1.00")
    before = shop.snapshot()

    with pytest.raises(TooManyLines):
        shop.place(*[(sku, 1) for sku in skus])
    assert shop.snapshot() == before

    assert len(shop.place(*[(sku, 1) for sku in skus[:20]]).lines) == 20


# --- idempotent placing (O12) ------------------------------------------------------------------


def test_a_repeated_key_replays_the_first_answer_and_changes_nothing(shop: Shop) -> None:
    shop.add_product("SKU-A", "10.00")
    placed = shop.place(("SKU-A", 2), key="key-1")
    shop.pay(placed)  # the order moves on; the replay still shows it as first answered
    before = shop.snapshot()

    replayed = shop.place(("SKU-A", 2), key="key-1")

    assert replayed == placed
    assert shop.snapshot() == before


def test_a_repeated_key_with_another_request_is_refused_first(shop: Shop) -> None:
    shop.add_product("SKU-A")
    shop.place(("SKU-A", 1), key="key-1")
    before = shop.snapshot()

    with pytest.raises(IdempotencyKeyReuse):
        shop.place(("SKU-A", 2), key="key-1")
    with pytest.raises(IdempotencyKeyReuse):  # keys are global; reuse answers before 404/422
        shop.place(("SKU-UNKNOWN", 1), customer_id="another", key="key-1")
    assert shop.snapshot() == before


def test_only_a_successful_placement_binds_a_key(shop: Shop) -> None:
    shop.add_product("SKU-A", stock=1)
    before = shop.snapshot()
    with pytest.raises(InsufficientStock):
        shop.place(("SKU-A", 2), key="key-1")
    assert shop.snapshot() == before

    shop.cases.catalogue.restock(Restock("SKU-A", 1))
    placed = shop.place(("SKU-A", 2), key="key-1")

    assert placed.status == "PENDING_PAYMENT"
    assert shop.stock("SKU-A") == {"SKU-A": 0}


def test_without_a_key_the_same_request_places_another_order(shop: Shop) -> None:
    shop.add_product("SKU-A")

    first, second = shop.place(("SKU-A", 1)), shop.place(("SKU-A", 1))

    assert first.id != second.id
    assert shop.stock("SKU-A") == {"SKU-A": STOCK - 2}


# --- amending (O9, O2, O5) ---------------------------------------------------------------------


def test_a_new_line_takes_todays_price_and_reserves_stock(shop: Shop) -> None:
    order = shop.an_order()
    shop.add_product("SKU-C", "7.25")
    seq = shop.last_seq()

    amended = shop.cases.ordering.set_line(SetLine(order.id, "SKU-C", 4))

    assert lines_of(amended)[-1] == ("SKU-C", 4, "7.25", "29.00")
    assert str(amended.total) == "54.00"
    assert shop.stock("SKU-C") == {"SKU-C": STOCK - 4}
    [event] = shop.events(after=seq)
    assert (event.type, event.data) == (
        "OrderAmended",
        {
            "lines": [
                {"sku": "SKU-A", "quantity": 2, "unit_price": "10.00"},
                {"sku": "SKU-B", "quantity": 1, "unit_price": "5.00"},
                {"sku": "SKU-C", "quantity": 4, "unit_price": "7.25"},
            ],
            "total": "54.00",
        },
    )


@pytest.mark.parametrize(("quantity", "stock_after"), [(5, STOCK - 5), (1, STOCK - 1)])
def test_setting_a_quantity_moves_stock_by_the_difference_at_the_old_price(
    shop: Shop, quantity: int, stock_after: int
) -> None:
    order = shop.an_order()  # SKU-A: 2 units at 10.00
    shop.cases.catalogue.change(ChangeProduct("SKU-A", None, Decimal("99.00")))

    amended = shop.cases.ordering.set_line(SetLine(order.id, "SKU-A", quantity))

    assert lines_of(amended)[0] == ("SKU-A", quantity, "10.00", f"{10 * quantity}.00")
    assert shop.stock("SKU-A") == {"SKU-A": stock_after}


def test_setting_the_quantity_a_line_has_changes_nothing_and_records_nothing(shop: Shop) -> None:
    order = shop.an_order()
    before = shop.snapshot()

    assert shop.cases.ordering.set_line(SetLine(order.id, "SKU-A", 2)) == order
    assert shop.snapshot() == before


@pytest.mark.parametrize(
    ("amend", "refusal"),
    [
        # 2 held: 99 more wanted, 98 left
        (lambda shop, id: shop.set_line(id, "SKU-A", STOCK + 1), InsufficientStock),
        (lambda shop, id: shop.set_line(id, "SKU-Z", 1), UnknownProduct),
        # 20025.00, 10 % off: 18022.50
        (lambda shop, id: shop.set_line(id, "SKU-C", 1), OrderLimitExceeded),
        (lambda shop, id: shop.remove_line(id, "SKU-C"), NotFound),
    ],
    ids=["short", "unknown-product", "order-limit", "line-not-on-order"],
)
def test_a_refused_amendment_changes_nothing(
    shop: Shop, amend: Callable[[Shop, str], object], refusal: type[Exception]
) -> None:
    shop.add_product("SKU-C", "20000.00")
    order = shop.an_order()
    before = shop.snapshot()

    with pytest.raises(refusal):
        amend(shop, order.id)

    assert shop.snapshot() == before


def test_an_order_refuses_a_twenty_first_line(shop: Shop) -> None:
    skus = [f"SKU-{n:02}" for n in range(1, 22)]
    for sku in skus:
        shop.add_product(sku, "1.00")
    order = shop.place(*[(sku, 1) for sku in skus[:20]])
    before = shop.snapshot()

    with pytest.raises(TooManyLines):
        shop.cases.ordering.set_line(SetLine(order.id, skus[20], 1))
    assert shop.snapshot() == before


def test_removing_a_line_returns_its_stock_and_records_the_new_lines(shop: Shop) -> None:
    order = shop.an_order()
    seq = shop.last_seq()

    amended = shop.cases.ordering.remove_line(RemoveLine(order.id, "SKU-A"))

    assert lines_of(amended) == [("SKU-B", 1, "5.00", "5.00")]
    assert shop.stock("SKU-A") == {"SKU-A": STOCK}
    assert [(event.type, event.data) for event in shop.events(after=seq)] == [
        (
            "OrderAmended",
            {"lines": [{"sku": "SKU-B", "quantity": 1, "unit_price": "5.00"}], "total": "5.00"},
        )
    ]


def test_the_last_line_cannot_be_removed(shop: Shop) -> None:
    shop.add_product("SKU-A")
    order = shop.place(("SKU-A", 1))
    before = shop.snapshot()

    with pytest.raises(LastLine):
        shop.cases.ordering.remove_line(RemoveLine(order.id, "SKU-A"))
    assert shop.snapshot() == before


@pytest.mark.parametrize("steps", [("pay",), ("cancel",), ("pay", "ship")])
def test_only_a_pending_order_may_change_its_lines(shop: Shop, steps: tuple[str, ...]) -> None:
    order = shop.walk(shop.an_order(), *steps)
    before = shop.snapshot()

    with pytest.raises(InvalidState):
        shop.cases.ordering.set_line(SetLine(order.id, "SKU-A", 1))
    with pytest.raises(InvalidState):  # invalid-state answers before a missing line
        shop.cases.ordering.remove_line(RemoveLine(order.id, "SKU-NOT-ON-ORDER"))
    with pytest.raises(UnknownProduct):  # unknown-product answers before invalid-state
        shop.cases.ordering.set_line(SetLine(order.id, "SKU-Z", 1))
    assert shop.snapshot() == before


# --- paying (O10) ------------------------------------------------------------------------------


def test_a_payment_of_the_total_pays_the_order(shop: Shop) -> None:
    order = shop.an_order()
    seq = shop.last_seq()

    paid = shop.pay(order, amount="25")  # amounts compare by value

    assert (paid.status, paid.payment_id, paid.refund_due) == ("PAID", PAYMENT_ID, False)
    assert [(event.type, event.data) for event in shop.events(after=seq)] == [
        ("OrderPaid", {"payment_id": PAYMENT_ID, "amount": "25.00"})
    ]


@pytest.mark.parametrize("outcome", ["succeeded", "failed"])
def test_a_payment_already_processed_is_answered_with_the_order_as_it_is(
    shop: Shop, outcome: str
) -> None:
    paid = shop.pay(shop.an_order())
    before = shop.snapshot()

    replayed = shop.cases.payments.record_result(
        RecordPaymentResult(PAYMENT_ID, paid.id, outcome, Decimal("1.00"))
    )

    assert replayed == paid
    assert shop.snapshot() == before


def test_a_payment_of_another_amount_is_refused_and_processes_nothing(shop: Shop) -> None:
    order = shop.an_order()
    before = shop.snapshot()

    with pytest.raises(PaymentMismatch):
        shop.pay(order, amount="25.01")
    assert shop.snapshot() == before

    assert shop.pay(order).status == "PAID"  # the same payment id was not used up


def test_a_failed_payment_cancels_the_order_and_returns_its_stock_once(shop: Shop) -> None:
    order = shop.an_order()
    seq = shop.last_seq()

    cancelled = shop.fail_payment(order)
    again = shop.fail_payment(order)

    assert (cancelled.status, cancelled.cancel_reason, cancelled.refund_due) == (
        "CANCELLED",
        "payment-failed",
        False,
    )
    assert again == cancelled
    assert shop.stock("SKU-A", "SKU-B") == {"SKU-A": STOCK, "SKU-B": STOCK}
    assert [(event.type, event.data) for event in shop.events(after=seq)] == [
        ("OrderCancelled", {"reason": "payment-failed", "refund_due": False})
    ]


@pytest.mark.parametrize(
    ("steps", "outcome"),
    [
        (("pay",), "succeeded"),
        (("pay",), "failed"),
        (("cancel",), "succeeded"),
        (("cancel",), "failed"),
        (("pay", "ship"), "succeeded"),
    ],
)
def test_a_new_payment_for_an_order_not_pending_is_refused(
    shop: Shop, steps: tuple[str, ...], outcome: str
) -> None:
    order = shop.walk(shop.an_order(), *steps)
    before = shop.snapshot()

    with pytest.raises(InvalidState):
        shop.cases.payments.record_result(
            RecordPaymentResult("payment-2", order.id, outcome, order.total.amount)
        )
    assert shop.snapshot() == before


def test_payment_ids_are_scoped_to_their_order(shop: Shop) -> None:
    first, second = shop.an_order(), shop.an_order()

    assert shop.pay(first).status == "PAID"
    assert shop.pay(second).status == "PAID"  # the same payment id, another order


def test_a_payment_for_an_unknown_order_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound):
        shop.cases.payments.record_result(
            RecordPaymentResult(PAYMENT_ID, "no-such-order", "succeeded", Decimal(1))
        )


# --- cancelling and shipping (O7, O8, O11) -----------------------------------------------------


@pytest.mark.parametrize(("steps", "refund_due"), [((), False), (("pay",), True)])
def test_cancelling_returns_every_unit_and_owes_a_refund_once_paid(
    shop: Shop, steps: tuple[str, ...], refund_due: bool
) -> None:
    order = shop.walk(shop.an_order(), *steps)
    seq = shop.last_seq()

    cancelled = shop.cases.ordering.cancel(order.id)

    assert (cancelled.status, cancelled.cancel_reason, cancelled.refund_due) == (
        "CANCELLED",
        "customer",
        refund_due,
    )
    assert shop.stock("SKU-A", "SKU-B") == {"SKU-A": STOCK, "SKU-B": STOCK}
    assert [(event.type, event.data) for event in shop.events(after=seq)] == [
        ("OrderCancelled", {"reason": "customer", "refund_due": refund_due})
    ]


@pytest.mark.parametrize("steps", [("cancel",), ("fail_payment",), ("pay", "ship")])
def test_a_final_order_cannot_be_cancelled_and_returns_no_stock_twice(
    shop: Shop, steps: tuple[str, ...]
) -> None:
    order = shop.walk(shop.an_order(), *steps)
    before = shop.snapshot()

    with pytest.raises(InvalidState):
        shop.cases.ordering.cancel(order.id)
    assert shop.snapshot() == before


def test_shipping_a_paid_order_records_order_shipped(shop: Shop) -> None:
    order = shop.pay(shop.an_order())
    seq = shop.last_seq()

    shipped = shop.cases.ordering.ship(order.id)

    assert shipped.status == "SHIPPED"
    assert [(event.type, event.data) for event in shop.events(after=seq)] == [("OrderShipped", {})]


@pytest.mark.parametrize("steps", [(), ("cancel",), ("pay", "ship")])
def test_only_a_paid_order_may_be_shipped(shop: Shop, steps: tuple[str, ...]) -> None:
    order = shop.walk(shop.an_order(), *steps)
    before = shop.snapshot()

    with pytest.raises(InvalidState):
        shop.cases.ordering.ship(order.id)
    assert shop.snapshot() == before


@pytest.mark.parametrize(
    "use",
    [
        lambda shop: shop.cases.ordering.get("no-such-order"),
        lambda shop: shop.cases.ordering.cancel("no-such-order"),
        lambda shop: shop.cases.ordering.ship("no-such-order"),
        lambda shop: shop.cases.ordering.set_line(SetLine("no-such-order", "SKU-A", 1)),
        lambda shop: shop.cases.ordering.remove_line(RemoveLine("no-such-order", "SKU-A")),
    ],
    ids=["get", "cancel", "ship", "set-line", "remove-line"],
)
def test_an_unknown_order_is_not_found(shop: Shop, use: Callable[[Shop], object]) -> None:
    shop.an_order()
    with pytest.raises(NotFound):
        use(shop)


# --- listing -----------------------------------------------------------------------------------


def test_orders_are_listed_newest_first_filtered_and_limited(shop: Shop) -> None:
    shop.add_product("SKU-A")
    a1 = shop.place(("SKU-A", 1), customer_id="a")
    b1 = shop.place(("SKU-A", 1), customer_id="b")
    a2 = shop.pay(shop.place(("SKU-A", 1), customer_id="a"))
    a3 = shop.place(("SKU-A", 1), customer_id="a")

    def ids(customer_id: str | None, status: str | None, limit: int = 50) -> list[str]:
        listed = shop.cases.ordering.list(ListOrders(customer_id, status, limit))
        return [order.id for order in listed]

    assert ids(None, None) == [a3.id, a2.id, b1.id, a1.id]
    assert ids("a", None) == [a3.id, a2.id, a1.id]
    assert ids("a", "PENDING_PAYMENT") == [a3.id, a1.id]
    assert ids(None, "PAID") == [a2.id]
    assert ids(None, None, limit=2) == [a3.id, a2.id]
    assert ids("nobody", None) == []


# --- events (spec section 4) and the outbox relay ----------------------------------------------


def test_events_are_recorded_in_commit_order_with_their_time(shop: Shop) -> None:
    shop.add_product("SKU-A")
    order = shop.place(("SKU-A", 1))
    changes: list[Callable[[], object]] = [
        lambda: shop.set_line(order.id, "SKU-A", 2),
        lambda: shop.pay(shop.cases.ordering.get(order.id)),
        lambda: shop.cases.ordering.ship(order.id),
    ]
    times = []
    for change in changes:
        times.append(shop.tick(60))
        change()

    events = shop.events()

    assert [event.type for event in events] == [
        "OrderPlaced",
        "OrderAmended",
        "OrderPaid",
        "OrderShipped",
    ]
    assert {event.order_id for event in events} == {order.id}
    assert [event.occurred_at for event in events] == [NOW, *times]
    seqs = [event.seq for event in events]
    assert seqs == sorted(set(seqs))


def test_the_event_feed_reads_after_a_seq_up_to_a_limit(shop: Shop) -> None:
    for _ in range(3):
        shop.an_order()
    seqs = [event.seq for event in shop.events()]

    def read(after: int, limit: int) -> list[int]:
        return [event.seq for event in shop.cases.events.read(ReadEvents(after, limit))]

    assert read(0, 2) == seqs[:2]
    assert read(seqs[0], 5) == seqs[1:]
    assert read(seqs[-1], 5) == []


def test_the_relay_publishes_each_committed_event_once_in_order(shop: Shop) -> None:
    relay, publisher = a_relay(shop)
    order = shop.an_order()
    shop.pay(order)

    assert relay.relay() == 2
    assert relay.relay() == 0
    shop.cases.ordering.ship(order.id)
    with pytest.raises(InvalidState):
        shop.cases.ordering.ship(order.id)  # refused: nothing to publish
    assert relay.relay() == 1

    assert publisher.published == shop.events()
    assert [event.type for event in publisher.published] == [
        "OrderPlaced",
        "OrderPaid",
        "OrderShipped",
    ]


def test_relays_on_one_store_share_their_position(shop: Shop) -> None:
    first, first_published = a_relay(shop)
    second, second_published = a_relay(shop)
    shop.an_order()

    assert (first.relay(), second.relay()) == (1, 0)
    assert (len(first_published.published), second_published.published) == (1, [])


def test_the_relay_works_through_a_backlog_in_batches(shop: Shop) -> None:
    relay, publisher = a_relay(shop)
    order = shop.an_order()
    for n in range(RELAY_BATCH):  # 1 placed + RELAY_BATCH amended events
        shop.cases.ordering.set_line(SetLine(order.id, "SKU-A", 3 + n % 2))

    assert [relay.relay(), relay.relay(), relay.relay()] == [RELAY_BATCH, 1, 0]
    assert publisher.published == shop.events()


class _BrokerDown(Exception):
    pass


def test_events_a_failed_relay_did_not_confirm_are_published_again(shop: Shop) -> None:
    """At least once: the position moves only after the whole batch was taken."""
    for _ in range(3):
        shop.an_order()

    class FailsAfterTwo:
        def __init__(self) -> None:
            self.published: list[EventRecord] = []

        def publish(self, event: EventRecord) -> None:
            if len(self.published) == 2:
                raise _BrokerDown("broker gone")
            self.published.append(event)

    failing = FailsAfterTwo()
    with pytest.raises(_BrokerDown):
        OutboxRelay(shop.units, failing).relay()
    relay, publisher = a_relay(shop)

    assert relay.relay() == 3
    assert failing.published == shop.events()[:2]
    assert publisher.published == shop.events()  # the first two again: at least once


# --- lost races: the use cases retry on fresh data ---------------------------------------------


class _LosingUnit:
    """A unit of work whose commit loses a race (``Conflict``) while its factory has losses."""

    def __init__(self, inner: UnitOfWork, factory: _LosingUnits) -> None:
        self._inner = inner
        self._factory = factory

    @property
    def products(self) -> ProductRepository:
        return self._inner.products

    @property
    def orders(self) -> OrderRepository:
        return self._inner.orders

    @property
    def idempotency_keys(self) -> IdempotencyKeys:
        return self._inner.idempotency_keys

    def events_after(self, seq: int, limit: int) -> list[EventRecord]:
        return self._inner.events_after(seq, limit)

    def relay_position(self) -> int:
        return self._inner.relay_position()

    def move_relay_position(self, seq: int) -> None:
        self._inner.move_relay_position(seq)

    def commit(self) -> None:
        if self._factory.losses > 0:
            self._factory.losses -= 1
            raise Conflict("lost a race (staged)")
        self._inner.commit()

    def __enter__(self) -> UnitOfWork:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._inner.__exit__(*exc_info)


class _LosingUnits:
    def __init__(self, inner: UnitOfWorkFactory) -> None:
        self._inner = inner
        self.losses = 0

    def __call__(self) -> UnitOfWork:
        return _LosingUnit(self._inner(), self)


@pytest.fixture
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """_LosingUnits loses races on purpose: the pause that spreads real rivals out between
    runs would only make these tests wait."""
    monkeypatch.setattr(unit, "FIRST_PAUSE_SECONDS", 0.0)


def _a_losing_shop() -> tuple[Shop, _LosingUnits]:
    """A shop whose units of work lose the race at each commit while ``losses`` is above 0."""
    shop = a_shop(_LosingUnits)
    assert isinstance(shop.units, _LosingUnits)
    return shop, shop.units


@pytest.mark.usefixtures("no_pause")
def test_a_use_case_that_lost_races_runs_again_on_fresh_data() -> None:
    shop, losing = _a_losing_shop()
    shop.add_product("SKU-A", stock=10)
    losing.losses = ATTEMPTS - 1

    order = shop.place(("SKU-A", 3))

    assert losing.losses == 0
    assert shop.stock("SKU-A") == {"SKU-A": 7}  # reserved once, not once per attempt
    assert [event.type for event in shop.events()] == ["OrderPlaced"]
    assert shop.cases.ordering.get(order.id) == order


@pytest.mark.usefixtures("no_pause")
def test_a_use_case_gives_up_after_its_attempts_and_changes_nothing() -> None:
    shop, losing = _a_losing_shop()
    shop.add_product("SKU-A", stock=10)
    before = shop.snapshot()
    losing.losses = ATTEMPTS

    with pytest.raises(ConcurrentModification):
        shop.place(("SKU-A", 3), key="key-1")

    assert shop.snapshot() == before
    assert shop.place(("SKU-A", 3), key="key-1").status == "PENDING_PAYMENT"  # key not bound


@pytest.mark.usefixtures("eager_thread_switches")
def test_concurrent_placements_never_oversell(shop: Shop) -> None:
    """Threads race for scarce stock through the use cases: whatever wins, stock never goes
    below zero and every unit is either in stock or in exactly one committed order."""
    stock = 30
    shop.add_product("SKU-A", "1.00", stock)
    start = threading.Barrier(8)

    def client(n: int) -> list[str]:
        start.wait()
        outcomes = []
        for k in range(8):
            try:
                shop.place(("SKU-A", 1), customer_id=f"c{n}-{k}")
                outcomes.append("placed")
            except (InsufficientStock, ConcurrentModification) as refused:
                outcomes.append(type(refused).__name__)
        return outcomes

    with ThreadPoolExecutor(8) as pool:
        outcomes = Counter(o for found in pool.map(client, range(8)) for o in found)

    placed = shop.cases.ordering.list(ListOrders(None, None, EVERYTHING))
    assert outcomes["placed"] == len(placed) <= stock
    assert shop.stock("SKU-A") == {"SKU-A": stock - len(placed)}
    assert len(shop.events()) == len(placed)
    assert outcomes["placed"] == stock or outcomes["ConcurrentModification"] > 0


@pytest.mark.usefixtures("eager_thread_switches")
def test_idempotent_placing_across_threads_creates_one_order(shop: Shop) -> None:
    shop.add_product("SKU-A")
    start = threading.Barrier(8)
    command = place_command(("SKU-A", 1), key="key-1")

    def client(_: int) -> str:
        start.wait()
        try:
            return shop.cases.ordering.place(command).id
        except ConcurrentModification:
            return "gave up"

    with ThreadPoolExecutor(8) as pool:
        answers = set(pool.map(client, range(8))) - {"gave up"}

    assert len(answers) == 1
    assert [order.id for order in shop.cases.ordering.list(ListOrders(None, None, 50))] == [
        *answers
    ]
    assert shop.stock("SKU-A") == {"SKU-A": STOCK - 1}
