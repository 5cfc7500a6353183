"""The ``Order`` aggregate, event-sourced: its state is the fold of its stream.

Every command method (``place``, ``set_line``, ``pay``…) checks the rules of the order's
boundary — lines (O1, O9), pricing and the order limit (O4, O5), the lifecycle (O7),
payments (O10) — against the current state, then raises the event that says what happened.
Only ``_apply`` changes state, and replaying the stored events runs the same ``_apply``:
what an order *is* can never drift from what happened to it. Like the aggregate variant's
root, the order never touches stock; ``domain.ordering`` moves it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kata.event_sourced.domain.errors import (
    InvalidState,
    LastLine,
    NotFound,
    PaymentMismatch,
    TooManyLines,
    TooManyOpenOrders,
)
from kata.event_sourced.domain.events import (
    LineFact,
    OrderAmended,
    OrderCancelled,
    OrderEvent,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    PaymentFailed,
)
from kata.event_sourced.domain.money import Money
from kata.event_sourced.domain.pricing import Totals, price, within_limit
from kata.event_sourced.domain.stream import EventSourced
from kata.event_sourced.domain.values import OrderStatus, Quantity, Sku

MAX_OPEN_ORDERS = 3
MAX_LINES = 20

# The lifecycle (O7): where each status may go next. SHIPPED and CANCELLED are final.
NEXT_STATUSES = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
}


@dataclass(frozen=True)
class OrderLine:
    """A SKU, a quantity and the unit price it was added at (O2); a value, replaced whole."""

    sku: Sku
    quantity: int
    unit_price: Money

    @property
    def line_total(self) -> Money:
        return self.unit_price.times(self.quantity)

    def fact(self) -> LineFact:
        return LineFact(self.sku.code, self.quantity, self.unit_price)


class Order(EventSourced[OrderEvent]):
    """The root of an order's stream. Start one with :meth:`place`, or replay its events."""

    id: str
    customer_id: str
    status: OrderStatus
    payment_id: str | None
    cancel_reason: str | None
    refund_due: bool
    created_at: datetime
    _lines: dict[Sku, OrderLine]
    _processed_payments: set[str]

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
        order = cls.replay([])
        facts = tuple(line.fact() for line in lines)
        order._raise(OrderPlaced(str(uuid.uuid4()), customer_id, facts, totals.total, now))
        return order

    # --- reading ------------------------------------------------------------------------------

    @property
    def lines(self) -> tuple[OrderLine, ...]:
        return tuple(self._lines[sku] for sku in sorted(self._lines))

    @property
    def totals(self) -> Totals:
        """Always from the lines' own unit prices (O4), never stored."""
        return price(line.line_total for line in self._lines.values())

    # --- amending (O9) ------------------------------------------------------------------------

    def units_to_move(self, sku: Sku, quantity: Quantity, current_price: Money) -> int:
        """How many more units setting this line would hold (negative: fewer).

        Refuses what the order itself refuses (O9, O1, O5) and changes nothing, so the
        product can be asked for the units before the order changes.
        """
        line = self._resized(sku, quantity, current_price)
        held = self._lines[sku].quantity if sku in self._lines else 0
        return 0 if line is None else quantity.units - held

    def set_line(self, sku: Sku, quantity: Quantity, current_price: Money) -> None:
        """Add a line or set its quantity (O9); the stock moves in ``domain.ordering``."""
        line = self._resized(sku, quantity, current_price)
        if line is None:
            return  # nothing changes, so nothing is recorded
        self._amend({**self._lines, sku: line})

    def remove_line(self, sku: Sku) -> int:
        """Remove a line; returns the units it held, for the product to take back."""
        self._require_pending("change the lines of")
        line = self._lines.get(sku)
        if line is None:
            # rule: O9
            raise NotFound(f"Order {self.id} has no line for {sku}.")
        if len(self._lines) == 1:  # rule: O9
            raise LastLine("An order keeps at least one line; cancel it instead.")
        self._amend({key: kept for key, kept in self._lines.items() if key != sku})
        return line.quantity

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

    def _amend(self, lines: dict[Sku, OrderLine]) -> None:
        facts = tuple(lines[sku].fact() for sku in sorted(lines))
        total = price(line.line_total for line in lines.values()).total
        self._raise(OrderAmended(self.id, facts, total))

    # --- lifecycle (O7, O8, O10, O11) ---------------------------------------------------------

    def pay(self, payment_id: str, amount: Money) -> None:
        if payment_id in self._processed_payments:  # rule: O10
            return
        self._require_pending("pay")
        if amount != self.totals.total:  # rule: O10
            raise PaymentMismatch(f"Paid {amount}, but the total is {self.totals.total}.")
        self._require_next(OrderStatus.PAID)
        self._raise(OrderPaid(self.id, payment_id, amount))

    def fail_payment(self, payment_id: str) -> bool:
        """A failed payment cancels a pending order; False if this payment was seen before."""
        if payment_id in self._processed_payments:  # rule: O10
            return False
        self._require_pending("fail the payment of")
        self._raise(PaymentFailed(self.id, payment_id))
        self._cancel("payment-failed")  # rule: O10
        return True

    def cancel(self) -> None:
        self._cancel("customer")

    def ship(self) -> None:
        self._require_next(OrderStatus.SHIPPED)  # rule: O11
        self._raise(OrderShipped(self.id))

    def _cancel(self, reason: str) -> None:
        self._require_next(OrderStatus.CANCELLED)
        refund_due = self.status is OrderStatus.PAID  # rule: O7
        self._raise(OrderCancelled(self.id, reason, refund_due))

    def _require_next(self, status: OrderStatus) -> None:
        if status not in NEXT_STATUSES.get(self.status, frozenset()):  # rule: O7
            raise InvalidState(f"An order in status {self.status} cannot become {status}.")

    def _require_pending(self, action: str) -> None:
        if self.status is not OrderStatus.PENDING_PAYMENT:  # rule: O9, O10
            raise InvalidState(f"Cannot {action} an order in status {self.status}.")

    # --- the fold: the only code that changes state ---------------------------------------------

    def _apply(self, event: OrderEvent) -> None:
        match event:
            case OrderPlaced():
                self.id = event.order_id
                self.customer_id = event.customer_id
                self.status = OrderStatus.PENDING_PAYMENT
                self._lines = _lines_of(event.lines)
                self.payment_id = None
                self.cancel_reason = None
                self.refund_due = False
                self.created_at = event.placed_at
                self._processed_payments = set()
            case OrderAmended():
                self._lines = _lines_of(event.lines)
            case OrderPaid():
                self.status = OrderStatus.PAID
                self.payment_id = event.payment_id
                self._processed_payments.add(event.payment_id)
            case PaymentFailed():
                self._processed_payments.add(event.payment_id)
            case OrderCancelled():
                self.status = OrderStatus.CANCELLED
                self.cancel_reason = event.reason
                self.refund_due = event.refund_due
            case OrderShipped():
                self.status = OrderStatus.SHIPPED


def _lines_of(facts: tuple[LineFact, ...]) -> dict[Sku, OrderLine]:
    return {Sku(f.sku): OrderLine(Sku(f.sku), f.quantity, f.unit_price) for f in facts}


def _merged(items: Sequence[tuple[Sku, Quantity, Money]]) -> list[OrderLine]:
    """Items of one SKU make one line, their quantities added (O1), at the price given."""
    units: dict[Sku, int] = {}
    prices: dict[Sku, Money] = {}
    for sku, quantity, unit_price in items:
        units[sku] = units.get(sku, 0) + quantity.units  # rule: O1
        prices[sku] = unit_price  # rule: O2
    return [OrderLine(sku, units[sku], prices[sku]) for sku in sorted(units)]
