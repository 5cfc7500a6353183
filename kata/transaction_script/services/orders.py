"""Transaction scripts for orders: place, show, list, amend lines, cancel and ship.

Each script reads what it needs, checks its rules in the spec's order of precedence and
writes through the gateways. Rules shared between scripts (pricing, the lifecycle checks,
cancelling) are subroutines every script must remember to call: the cost of the style.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection

from kata.transaction_script.data import idempotency_keys, orders, products
from kata.transaction_script.records import (
    CANCELLED,
    PAID,
    PENDING_PAYMENT,
    SHIPPED,
    Order,
    OrderLine,
    money_text,
)
from kata.transaction_script.services import outbox
from kata.transaction_script.services.errors import (
    IdempotencyKeyReuse,
    InsufficientStock,
    InvalidState,
    LastLine,
    NotFound,
    TooManyLines,
    TooManyOpenOrders,
    UnknownProduct,
)
from kata.transaction_script.services.pricing import Totals, check_order_limit, price
from kata.transaction_script.services.transaction import script

MAX_OPEN_ORDERS = 3
MAX_LINES = 20


@dataclass(frozen=True)
class Idempotency:
    """An ``Idempotency-Key`` and the request it came with, as canonical JSON."""

    key: str
    request: str


@script
def place_order(
    connection: Connection,
    customer_id: str,
    quantities: Mapping[str, int],
    idempotency: Idempotency | None = None,
) -> Order:
    """Place an order for ``quantities`` (SKU -> units, items already merged: O1)."""
    if idempotency is not None:
        binding = idempotency_keys.find(connection, idempotency.key)
        if binding is not None:  # rule: O12
            if binding.request != idempotency.request:
                raise IdempotencyKeyReuse("This Idempotency-Key was used with another request.")
            return binding.order
    catalogue = products.find_many(connection, quantities)
    unknown = set(quantities) - set(catalogue)
    if unknown:  # rule: O3
        raise UnknownProduct("Some products are not in the catalogue.", unknown)
    if orders.count(connection, customer_id, PENDING_PAYMENT) >= MAX_OPEN_ORDERS:  # rule: O6
        raise TooManyOpenOrders(f"{customer_id} already has {MAX_OPEN_ORDERS} unpaid orders.")
    lines = tuple(  # rule: O2
        OrderLine(sku, quantities[sku], catalogue[sku].price) for sku in sorted(quantities)
    )
    totals = price(lines)
    check_order_limit(totals)
    _reserve_all(connection, lines)
    order = Order(
        id=str(uuid.uuid4()),
        customer_id=customer_id,
        status=PENDING_PAYMENT,
        lines=lines,
        subtotal=totals.subtotal,
        discount=totals.discount,
        total=totals.total,
        payment_id=None,
        cancel_reason=None,
        refund_due=False,
        created_at=outbox.now(),
    )
    orders.insert_order(connection, order)
    if idempotency is not None:
        # rule: O12 (only a successful placement binds its key)
        idempotency_keys.bind(connection, idempotency.key, idempotency.request, order)
    outbox.record(
        connection,
        "OrderPlaced",
        order.id,
        {
            "customer_id": customer_id,
            "lines": outbox.lines_data(lines),
            "total": money_text(order.total),
        },
    )
    return order


@script
def get_order(connection: Connection, order_id: str) -> Order:
    order = orders.find(connection, order_id)
    if order is None:
        raise NotFound(f"No order {order_id}.")
    return order


@script
def list_orders(
    connection: Connection, customer_id: str | None, status: str | None, limit: int
) -> list[Order]:
    return orders.find_many(connection, customer_id, status, limit)


@script
def set_line(connection: Connection, order_id: str, sku: str, quantity: int) -> Order:
    """Add a line or set its quantity, moving stock by the difference (O9)."""
    order = locked_order(connection, order_id)
    product = products.find(connection, sku)
    if product is None:
        raise UnknownProduct(f"No product with SKU {sku}.", [sku])
    require_status(order, "change the lines of", PENDING_PAYMENT)  # rule: O9
    existing = next((line for line in order.lines if line.sku == sku), None)
    if existing is not None and existing.quantity == quantity:
        return order  # nothing to change, so no event either
    if existing is None and len(order.lines) >= MAX_LINES:  # rule: O1, O9
        raise TooManyLines(f"An order has at most {MAX_LINES} lines.")
    # rule: O2 (a new line takes today's price, an existing one keeps its own)
    unit_price = product.price if existing is None else existing.unit_price
    changed = OrderLine(sku, quantity, unit_price)
    lines = [line for line in order.lines if line.sku != sku]
    lines.append(changed)
    totals = price(lines)
    check_order_limit(totals)
    more = quantity - (0 if existing is None else existing.quantity)
    if more > 0:
        short = products.reserve(connection, {sku: more})
        if short:  # rule: O9
            raise InsufficientStock(f"Not enough stock of {sku}.", short)
    if more < 0:
        products.release(connection, {sku: -more})
    orders.set_line(connection, order.id, changed)
    return _amended(connection, order, lines, totals)


@script
def remove_line(connection: Connection, order_id: str, sku: str) -> Order:
    """Remove a line and return its units to stock (O9)."""
    order = locked_order(connection, order_id)
    require_status(order, "change the lines of", PENDING_PAYMENT)  # rule: O9
    removed = next((line for line in order.lines if line.sku == sku), None)
    if removed is None:  # rule: O9
        raise NotFound(f"Order {order_id} has no line for {sku}.")
    if len(order.lines) == 1:  # rule: O9
        raise LastLine("An order keeps at least one line; cancel it instead.")
    lines = [line for line in order.lines if line.sku != sku]
    products.release(connection, {sku: removed.quantity})
    orders.remove_line(connection, order.id, sku)
    return _amended(connection, order, lines, price(lines))


@script
def cancel_order(connection: Connection, order_id: str) -> Order:
    order = locked_order(connection, order_id)
    require_status(order, "cancel", PENDING_PAYMENT, PAID)  # rule: O7
    return cancel(connection, order, "customer")


@script
def ship_order(connection: Connection, order_id: str) -> Order:
    order = locked_order(connection, order_id)
    require_status(order, "ship", PAID)  # rule: O11
    orders.mark_status(connection, order.id, SHIPPED)
    outbox.record(connection, "OrderShipped", order.id, {})
    return dataclasses.replace(order, status=SHIPPED)


# --- subroutines the scripts share -----------------------------------------------------


def locked_order(connection: Connection, order_id: str) -> Order:
    """The order, row-locked until the script's transaction ends."""
    order = orders.lock(connection, order_id)
    if order is None:
        raise NotFound(f"No order {order_id}.")
    return order


def require_status(order: Order, action: str, *allowed: str) -> None:
    """The lifecycle (O7) as each script checks it: may this order take this step now?"""
    if order.status not in allowed:
        raise InvalidState(f"Cannot {action} an order in status {order.status}.")


def cancel(connection: Connection, order: Order, reason: str) -> Order:
    """Cancel ``order``, returning every reserved unit to stock (O8)."""
    refund_due = order.status == PAID  # rule: O7
    # rule: O8 (one statement returns the units of every line)
    products.release(connection, {line.sku: line.quantity for line in order.lines})
    orders.mark_cancelled(connection, order.id, CANCELLED, reason, refund_due)
    outbox.record(
        connection, "OrderCancelled", order.id, {"reason": reason, "refund_due": refund_due}
    )
    return dataclasses.replace(order, status=CANCELLED, cancel_reason=reason, refund_due=refund_due)


def _reserve_all(connection: Connection, lines: Iterable[OrderLine]) -> None:
    """Reserve every line or none (O3): the rollback undoes the reservations that worked."""
    # rule: O3 (one UPDATE for all lines; every short SKU, sorted)
    short = products.reserve(connection, {line.sku: line.quantity for line in lines})
    if short:
        raise InsufficientStock("Not enough stock for every line.", short)


def _amended(connection: Connection, order: Order, lines: list[OrderLine], totals: Totals) -> Order:
    """Finish a change of one line (already written): the totals, and the event."""
    lines.sort(key=lambda line: line.sku)
    orders.set_totals(
        connection, order.id, subtotal=totals.subtotal, discount=totals.discount, total=totals.total
    )
    outbox.record(
        connection,
        "OrderAmended",
        order.id,
        {"lines": outbox.lines_data(lines), "total": money_text(totals.total)},
    )
    return dataclasses.replace(
        order,
        lines=tuple(lines),
        subtotal=totals.subtotal,
        discount=totals.discount,
        total=totals.total,
    )
