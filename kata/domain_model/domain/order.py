"""``Order`` and ``OrderLine``: the order keeps its own rules (O1-O11) and records its events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, reconstructor, relationship

from kata.domain_model.domain.entity import Entity
from kata.domain_model.domain.errors import (
    InsufficientStock,
    InvalidState,
    LastLine,
    NotFound,
    PaymentMismatch,
    TooManyLines,
    TooManyOpenOrders,
)
from kata.domain_model.domain.events import (
    DomainEvent,
    LineFact,
    OrderAmended,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
)
from kata.domain_model.domain.money import Money
from kata.domain_model.domain.pricing import Totals, price, within_limit
from kata.domain_model.domain.product import Product
from kata.domain_model.domain.values import Quantity

MAX_OPEN_ORDERS = 3
MAX_LINES = 20


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"


# The lifecycle (O7): where each status may go next. SHIPPED and CANCELLED are final.
NEXT_STATUSES = {
    OrderStatus.PENDING_PAYMENT: {OrderStatus.PAID, OrderStatus.CANCELLED},
    OrderStatus.PAID: {OrderStatus.SHIPPED, OrderStatus.CANCELLED},
}


class OrderLine(Entity):
    """A product and a quantity at the unit price the product had when the line was added."""

    __tablename__ = "dm_order_lines"

    order_id: Mapped[str] = mapped_column(ForeignKey("dm_orders.id"), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("dm_products.sku"), primary_key=True)
    _quantity: Mapped[int] = mapped_column("quantity")
    _unit_price_cents: Mapped[int] = mapped_column("unit_price_cents")
    # Loaded only when a use case asks for it (OrderRepository.get(with_products=True)): a
    # lazy load would cost one SELECT per line, so navigating to an unloaded product raises.
    product: Mapped[Product] = relationship(lazy="raise_on_sql")

    def __init__(self, product: Product, quantity: Quantity) -> None:
        self.product = product
        self.sku = product.sku
        self._quantity = quantity.units
        self._unit_price_cents = product.price.cents  # rule: O2

    @property
    def quantity(self) -> int:
        return self._quantity

    @property
    def unit_price(self) -> Money:
        return Money.from_cents(self._unit_price_cents)

    @property
    def line_total(self) -> Money:
        return self.unit_price.times(self._quantity)

    def resize(self, quantity: Quantity) -> None:
        """Only its order calls this, after checking the order's rules."""
        self._quantity = quantity.units

    def fact(self) -> LineFact:
        return LineFact(self.sku, self._quantity, self.unit_price)


class ProcessedPayment(Entity):
    """A payment id this order has already acted on (O10: results may arrive twice)."""

    __tablename__ = "dm_processed_payments"

    order_id: Mapped[str] = mapped_column(ForeignKey("dm_orders.id"), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class Order(Entity):
    __tablename__ = "dm_orders"

    # Placement order for "newest first"; the public id is a random UUID.
    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    _status: Mapped[str] = mapped_column("status", String(16))
    _payment_id: Mapped[str | None] = mapped_column("payment_id", String(64))
    _cancel_reason: Mapped[str | None] = mapped_column("cancel_reason", String(16))
    _refund_due: Mapped[bool] = mapped_column("refund_due")
    _created_at: Mapped[str] = mapped_column("created_at", String(40))
    _lines: Mapped[list[OrderLine]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=OrderLine.sku
    )
    _payments: Mapped[list[ProcessedPayment]] = relationship(cascade="all, delete-orphan")
    # Optimistic lock on the whole order: every change bumps the revision (see _record), and
    # a flush whose revision another transaction moved on fails instead of overwriting it.
    _revision: Mapped[int] = mapped_column("revision")
    __mapper_args__ = {"version_id_col": _revision, "version_id_generator": False}

    def __init__(self, customer_id: str, created_at: datetime) -> None:
        self.id = str(uuid.uuid4())
        self.customer_id = customer_id
        self._status = OrderStatus.PENDING_PAYMENT
        self._payment_id = None
        self._cancel_reason = None
        self._refund_due = False
        self._created_at = created_at.isoformat()
        self._revision = 0
        self._events: list[DomainEvent] = []

    @reconstructor
    def _loaded(self) -> None:
        self._events = []

    # --- placing --------------------------------------------------------------------------

    @classmethod
    def place(
        cls,
        customer_id: str,
        items: Sequence[tuple[Product, Quantity]],
        open_orders: int,
        now: datetime,
    ) -> Order:
        """A new order for ``items``, reserving every line's stock or none (O1-O6)."""
        items = _merged(items)
        if not items:
            raise ValueError("An order needs at least one line.")
        if open_orders >= MAX_OPEN_ORDERS:  # rule: O6
            raise TooManyOpenOrders(f"{customer_id} already has {MAX_OPEN_ORDERS} unpaid orders.")
        if len(items) > MAX_LINES:  # rule: O1
            raise TooManyLines(f"An order has at most {MAX_LINES} lines.")
        order = cls(customer_id, now)
        lines = [OrderLine(product, quantity) for product, quantity in items]
        totals = within_limit(price(line.line_total for line in lines))
        short = [product.sku for product, quantity in items if not product.can_reserve(quantity)]
        if short:  # rule: O3
            raise InsufficientStock("Not enough stock for every line.", short)
        for product, quantity in items:
            product.reserve(quantity)
        order._lines = lines
        order._record(OrderPlaced(order.id, customer_id, order._facts(), totals.total))
        return order

    # --- reading --------------------------------------------------------------------------

    @property
    def status(self) -> OrderStatus:
        return OrderStatus(self._status)

    @property
    def lines(self) -> tuple[OrderLine, ...]:
        return tuple(sorted(self._lines, key=lambda line: line.sku))

    @property
    def totals(self) -> Totals:
        """Always from the lines' own unit prices (O4), never stored."""
        return price(line.line_total for line in self._lines)

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
    def created_at(self) -> datetime:
        return datetime.fromisoformat(self._created_at)

    def take_events(self) -> list[DomainEvent]:
        """The events recorded since the last call; the unit of work stores them at commit."""
        taken, self._events = self._events, []
        return taken

    # --- amending (O9) --------------------------------------------------------------------

    def set_line(self, product: Product, quantity: Quantity) -> None:
        """Add a line for ``product`` or set its quantity, moving stock by the difference."""
        self._require_pending("change the lines of")
        line = self._line(product.sku)
        if line is not None and line.quantity == quantity.units:
            return  # nothing changes, so nothing is recorded
        if line is None and len(self._lines) >= MAX_LINES:  # rule: O1, O9
            raise TooManyLines(f"An order has at most {MAX_LINES} lines.")
        # rule: O2 (a new line takes today's price, an existing one keeps its own)
        unit_price = product.price if line is None else line.unit_price
        others = (other.line_total for other in self._lines if other.sku != product.sku)
        within_limit(price([*others, unit_price.times(quantity.units)]))  # rule: O5
        held = 0 if line is None else line.quantity
        if quantity.units > held:  # rule: O9
            product.reserve(Quantity(quantity.units - held))
        elif quantity.units < held:
            product.release(Quantity(held - quantity.units))
        if line is None:
            self._lines.append(OrderLine(product, quantity))
        else:
            line.resize(quantity)
        self._record_amendment()

    def remove_line(self, sku: str) -> None:
        """Remove a line and return its units to stock."""
        self._require_pending("change the lines of")
        line = self._line(sku)
        if line is None:
            # rule: O9
            raise NotFound(f"Order {self.id} has no line for {sku}.")
        if len(self._lines) == 1:  # rule: O9
            raise LastLine("An order keeps at least one line; cancel it instead.")
        line.product.release(Quantity(line.quantity))
        self._lines.remove(line)
        self._record_amendment()

    # --- lifecycle (O7, O8, O10, O11) ---------------------------------------------------------

    def pay(self, payment_id: str, amount: Money) -> None:
        if self._already_processed(payment_id):  # rule: O10
            return
        self._require_pending("pay")
        if amount != self.totals.total:  # rule: O10
            raise PaymentMismatch(f"Paid {amount}, but the total is {self.totals.total}.")
        self._payments.append(ProcessedPayment(payment_id=payment_id))
        self._payment_id = payment_id
        self._move_to(OrderStatus.PAID)
        self._record(OrderPaid(self.id, payment_id, amount))

    def fail_payment(self, payment_id: str) -> None:
        if self._already_processed(payment_id):  # rule: O10
            return
        self._require_pending("fail the payment of")
        self._payments.append(ProcessedPayment(payment_id=payment_id))
        self._cancel("payment-failed")  # rule: O10

    def cancel(self) -> None:
        self._cancel("customer")

    def ship(self) -> None:
        self._move_to(OrderStatus.SHIPPED)  # rule: O11
        self._record(OrderShipped(self.id))

    # --- the rules behind the verbs -----------------------------------------------------------

    def _cancel(self, reason: str) -> None:
        refund_due = self.status is OrderStatus.PAID  # rule: O7
        self._move_to(OrderStatus.CANCELLED)
        for line in self._lines:  # rule: O8
            line.product.release(Quantity(line.quantity))
        self._cancel_reason = reason
        self._refund_due = refund_due
        self._record(OrderCancelled(self.id, reason, refund_due))

    def _move_to(self, status: OrderStatus) -> None:
        if status not in NEXT_STATUSES.get(self.status, set()):  # rule: O7
            raise InvalidState(f"An order in status {self.status} cannot become {status}.")
        self._status = status

    def _require_pending(self, action: str) -> None:
        if self.status is not OrderStatus.PENDING_PAYMENT:  # rule: O9, O10
            raise InvalidState(f"Cannot {action} an order in status {self.status}.")

    def _already_processed(self, payment_id: str) -> bool:
        return any(payment.payment_id == payment_id for payment in self._payments)

    def _line(self, sku: str) -> OrderLine | None:
        return next((line for line in self._lines if line.sku == sku), None)

    def _facts(self) -> tuple[LineFact, ...]:
        return tuple(line.fact() for line in self.lines)

    def _record_amendment(self) -> None:
        self._record(OrderAmended(self.id, self._facts(), self.totals.total))

    def _record(self, event: DomainEvent) -> None:
        """Every change records exactly one event, and bumps the revision (optimistic lock)."""
        self._events.append(event)
        self._revision += 1


def _merged(items: Sequence[tuple[Product, Quantity]]) -> list[tuple[Product, Quantity]]:
    """Items of one product make one line, their quantities added (O1)."""
    products = {product.sku: product for product, _ in items}
    units: dict[str, int] = {}
    for product, quantity in items:
        units[product.sku] = units.get(product.sku, 0) + quantity.units  # rule: O1
    return [(products[sku], Quantity(units[sku])) for sku in sorted(units)]
