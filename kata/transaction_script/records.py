"""Records: the plain, typed data the layers hand each other (the bottom layer).

Transaction Script keeps data and behaviour apart: these are rows with names, nothing more.
Every rule that applies to them lives in a script in ``services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

CENT = Decimal("0.01")

PENDING_PAYMENT = "PENDING_PAYMENT"
PAID = "PAID"
SHIPPED = "SHIPPED"
CANCELLED = "CANCELLED"
ORDER_STATES = (PENDING_PAYMENT, PAID, SHIPPED, CANCELLED)


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: Decimal
    stock: int


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int
    unit_price: Decimal

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Order:
    id: str
    customer_id: str
    status: str
    lines: tuple[OrderLine, ...]  # sorted by SKU
    subtotal: Decimal
    discount: Decimal
    total: Decimal
    payment_id: str | None
    cancel_reason: str | None
    refund_due: bool
    created_at: datetime


@dataclass(frozen=True)
class Event:
    seq: int
    type: str
    order_id: str
    occurred_at: datetime
    data: dict[str, Any]  # already in its wire form: money as "12.50"


def money_text(amount: Decimal) -> str:
    """Money in its wire form: always two decimals (``"12.50"``)."""
    return f"{amount.quantize(CENT):f}"


def timestamp_text(moment: datetime) -> str:
    """RFC 3339 in UTC with ``Z``, to the millisecond."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
