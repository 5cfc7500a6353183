"""The schema. Every aggregate root's row carries a ``version`` for optimistic concurrency.

Every table name starts with ``hx_``: the four variants keep different tables under the same
names, and the prefix lets them share one database (one PostgreSQL server for all four)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

products = Table(
    "hx_products",
    metadata,
    Column("sku", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("stock", Integer, nullable=False),
    Column("version", Integer, nullable=False),
)

orders = Table(
    "hx_orders",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=True),  # placement order
    Column("id", String(36), nullable=False, unique=True),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("payment_id", String(64)),
    Column("cancel_reason", String(16)),
    Column("refund_due", Boolean, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),
)

order_lines = Table(
    "hx_order_lines",
    metadata,
    Column("order_id", String(36), ForeignKey("hx_orders.id"), primary_key=True),
    Column("sku", String(32), ForeignKey("hx_products.sku"), primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
)

processed_payments = Table(
    "hx_processed_payments",
    metadata,
    Column("order_id", String(36), ForeignKey("hx_orders.id"), primary_key=True),
    Column("payment_id", String(64), primary_key=True),
)

events = Table(
    "hx_events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(32), nullable=False),
    Column("order_id", String(36), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("data", Text, nullable=False),
)

# One row holding the last seq; its row lock, taken last and held until commit, hands out
# seq numbers in commit order.
event_counter = Table(
    "hx_event_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False),
)

idempotency_keys = Table(
    "hx_idempotency_keys",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("request", Text, nullable=False),
    Column("response", Text, nullable=False),
)

# How far the outbox relay has published (one row).
relay_position = Table(
    "hx_relay_position",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
)
