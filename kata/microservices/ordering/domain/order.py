"""The ``Order`` aggregate: the root and the ``OrderLine`` entities inside its boundary.

The root guards every invariant of the boundary in one place: lines (O1, O9), pricing and
the order limit (O4, O5), the lifecycle (O7) and payments (O10). Products and their stock
live in another service: a line holds a SKU and the price it was added at, never a product,
and the stock an order holds is moved by the saga (``application/sagas.py``), never here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum

from kata.microservices.ordering.domain.errors import (
    InvalidState,
    LastLine,
    NotFound,
    PaymentMismatch,
    TooManyLines,
    TooManyOpenOrders,
)
from kata.microservices.ordering.domain.events import (
    DomainEvent,
    LineFact,
    OrderAmended,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
)
from kata.microservices.ordering.domain.money import Money
from kata.microservices.ordering.domain.pricing import Totals, price, within_limit
from kata.microservices.ordering.domain.values import Quantity, Sku

MAX_OPEN_ORDERS = 3
MAX_LINES = 20


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"


# The lifecycle (O7): where each status may go next. SHIPPED and CANCELLED are final.
NEXT_STATUSES = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
}


class OrderLine:
    """An entity inside the order: a SKU, a quantity and the unit price it was added at."""

    def __init__(self, sku: Sku, quantity: int, unit_price: Money) -> None:
        self._sku = sku
        self._quantity = quantity
        self._unit_price = unit_price

    @property
    def sku(self) -> Sku:
        return self._sku

    @property
    def quantity(self) -> int:
        return self._quantity

    @property
    def unit_price(self) -> Money:
        return self._unit_price

    @property
    def line_total(self) -> Money:
        return self._unit_price.times(self._quantity)

    def fact(self) -> LineFact:
        return LineFact(self._sku.code, self._quantity, self._unit_price)


class Order:
    """Aggregate root. Build new orders with :meth:`place`; repositories rebuild saved ones."""

    def __init__(
        self,
        *,
        id: str,
        customer_id: str,
        status: OrderStatus,
        lines: Iterable[OrderLine],
        payment_id: str | None,
        cancel_reason: str | None,
        refund_due: bool,
        processed_payments: Iterable[str],
        created_at: datetime,
        version: int,
    ) -> None:
        self._id = id
        self._customer_id = customer_id
        self._status = status
        self._lines = {line.sku: line for line in lines}
        self._payment_id = payment_id
        self._cancel_reason = cancel_reason
        self._refund_due = refund_due
        self._processed_payments = set(processed_payments)
        self._created_at = created_at
        self.version = version  # as loaded; 0 for an order never saved
        self._events: list[DomainEvent] = []

    @classmethod
    def place(
        cls,
        customer_id: str,
        items: Sequence[tuple[Sku, Quantity, Money]],
        open_orders: int,
        now: datetime,
    ) -> Order:
        """A new order of (SKU, quantity, today's price) items; same SKUs merge (O1)."""
        lines = _merged(items)
        if not lines:
            raise ValueError("An order needs at least one line.")
        if open_orders >= MAX_OPEN_ORDERS:  # rule: O6
            raise TooManyOpenOrders(f"{customer_id} already has {MAX_OPEN_ORDERS} unpaid orders.")
        if len(lines) > MAX_LINES:  # rule: O1
            raise TooManyLines(f"An order has at most {MAX_LINES} lines.")
        totals = within_limit(price(line.line_total for line in lines))
        order = cls(
            id=str(uuid.uuid4()),
            customer_id=customer_id,
            status=OrderStatus.PENDING_PAYMENT,
            lines=lines,
            payment_id=None,
            cancel_reason=None,
            refund_due=False,
            processed_payments=(),
            created_at=now,
            version=0,
        )
        order._record(OrderPlaced(order.id, customer_id, order._facts(), totals.total))
        return order

    # --- reading ------------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self._id

    @property
    def customer_id(self) -> str:
        return self._customer_id

    @property
    def status(self) -> OrderStatus:
        return self._status

    @property
    def lines(self) -> tuple[OrderLine, ...]:
        return tuple(self._lines[sku] for sku in sorted(self._lines))

    @property
    def totals(self) -> Totals:
        """Always from the lines' own unit prices (O4), never stored."""
        return price(line.line_total for line in self._lines.values())

    @property
    def payment_id(self) -> str | None:
        return self._payment_id

    @property
    def cancel_reason(self) -> str | None:
        return self._cancel_reason

    @property
    def refund_due(self) -> bool:
        return self._refund_due

    @property
    def processed_payments(self) -> frozenset[str]:
        return frozenset(self._processed_payments)

    @property
    def created_at(self) -> datetime:
        return self._created_at

    @property
    def has_changes(self) -> bool:
        """Did a command change the order since it was loaded (it then recorded an event)?"""
        return bool(self._events)

    def take_events(self) -> list[DomainEvent]:
        """The events recorded since the last call; the unit of work stores them at commit."""
        taken, self._events = self._events, []
        return taken

    # --- amending (O9) ------------------------------------------------------------------------

    def units_to_move(self, sku: Sku, quantity: Quantity, current_price: Money) -> int:
        """How many more units setting this line would hold (negative: fewer).

        Refuses what the order itself refuses (O9, O1, O5) and changes nothing, so the
        inventory can be asked for the units before the order changes.
        """
        line = self._resized(sku, quantity, current_price)
        held = self._lines[sku].quantity if sku in self._lines else 0
        return 0 if line is None else quantity.units - held

    def set_line(self, sku: Sku, quantity: Quantity, current_price: Money) -> None:
        """Add a line or set its quantity (O9); the saga has moved the stock already."""
        line = self._resized(sku, quantity, current_price)
        if line is None:
            return  # nothing changes, so nothing is recorded
        self._lines[sku] = line
        self._record_amendment()

    def _resized(self, sku: Sku, quantity: Quantity, current_price: Money) -> OrderLine | None:
        """The line as it would be after the change (None: no change), or a refusal."""
        self._require_pending("change the lines of")
        line = self._lines.get(sku)
        if line is not None and line.quantity == quantity.units:
            return None
        if line is None and len(self._lines) >= MAX_LINES:  # rule: O1, O9
            raise TooManyLines(f"An order has at most {MAX_LINES} lines.")
        # rule: O2 (a new line takes today's price, an existing one keeps its own)
        unit_price = current_price if line is None else line.unit_price
        resized = OrderLine(sku, quantity.units, unit_price)
        others = (other.line_total for key, other in self._lines.items() if key != sku)
        within_limit(price([*others, resized.line_total]))  # rule: O5
        return resized

    def remove_line(self, sku: Sku) -> int:
        """Remove a line; returns the units it held."""
        self._require_pending("change the lines of")
        line = self._lines.get(sku)
        if line is None:
            # rule: O9
            raise NotFound(f"Order {self._id} has no line for {sku}.")
        if len(self._lines) == 1:  # rule: O9
            raise LastLine("An order keeps at least one line; cancel it instead.")
        del self._lines[sku]
        self._record_amendment()
        return line.quantity

    # --- lifecycle (O7, O8, O10, O11) ---------------------------------------------------------

    def pay(self, payment_id: str, amount: Money) -> None:
        if payment_id in self._processed_payments:  # rule: O10
            return
        self._require_pending("pay")
        if amount != self.totals.total:  # rule: O10
            raise PaymentMismatch(f"Paid {amount}, but the total is {self.totals.total}.")
        self._processed_payments.add(payment_id)
        self._payment_id = payment_id
        self._move_to(OrderStatus.PAID)
        self._record(OrderPaid(self._id, payment_id, amount))

    def fail_payment(self, payment_id: str) -> bool:
        """A failed payment cancels a pending order; False if this payment was seen before."""
        if payment_id in self._processed_payments:  # rule: O10
            return False
        self._require_pending("fail the payment of")
        self._processed_payments.add(payment_id)
        self._cancel("payment-failed")  # rule: O10
        return True

    def cancel(self) -> None:
        self._cancel("customer")

    def ship(self) -> None:
        self._move_to(OrderStatus.SHIPPED)  # rule: O11
        self._record(OrderShipped(self._id))

    # --- the rules behind the verbs -----------------------------------------------------------

    def _cancel(self, reason: str) -> None:
        refund_due = self._status is OrderStatus.PAID  # rule: O7
        self._move_to(OrderStatus.CANCELLED)
        self._cancel_reason = reason
        self._refund_due = refund_due
        self._record(OrderCancelled(self._id, reason, refund_due))

    def _move_to(self, status: OrderStatus) -> None:
        if status not in NEXT_STATUSES.get(self._status, frozenset()):  # rule: O7
            raise InvalidState(f"An order in status {self._status} cannot become {status}.")
        self._status = status

    def _require_pending(self, action: str) -> None:
        if self._status is not OrderStatus.PENDING_PAYMENT:  # rule: O9, O10
            raise InvalidState(f"Cannot {action} an order in status {self._status}.")

    def _facts(self) -> tuple[LineFact, ...]:
        return tuple(line.fact() for line in self.lines)

    def _record_amendment(self) -> None:
        self._record(OrderAmended(self._id, self._facts(), self.totals.total))

    def _record(self, event: DomainEvent) -> None:
        self._events.append(event)


def _merged(items: Sequence[tuple[Sku, Quantity, Money]]) -> list[OrderLine]:
    """Items of one SKU make one line, their quantities added (O1), at the price given."""
    units: dict[Sku, int] = {}
    prices: dict[Sku, Money] = {}
    for sku, quantity, unit_price in items:
        units[sku] = units.get(sku, 0) + quantity.units  # rule: O1
        prices[sku] = unit_price  # rule: O2
    return [OrderLine(sku, units[sku], prices[sku]) for sku in sorted(units)]
