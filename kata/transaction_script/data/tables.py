"""The schema, as SQLAlchemy Core tables. Money is stored as integer cents (SQLite has no
exact decimal type); timestamps as RFC 3339 text, which sorts and round-trips exactly.

Every table name starts with ``ts_``: the four variants keep different tables under the same
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
    "ts_products",
    metadata,
    Column("sku", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("stock", Integer, nullable=False),
)

orders = Table(
    "ts_orders",
    metadata,
    # Placement order for "newest first": an increasing number, unlike the random UUID id.
    Column("number", Integer, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("subtotal_cents", Integer, nullable=False),
    Column("discount_cents", Integer, nullable=False),
    Column("total_cents", Integer, nullable=False),
    Column("payment_id", String(64)),
    Column("cancel_reason", String(16)),
    Column("refund_due", Boolean, nullable=False),
    Column("created_at", String(32), nullable=False),
)

order_lines = Table(
    "ts_order_lines",
    metadata,
    Column("order_id", String(36), ForeignKey("ts_orders.id"), primary_key=True),
    Column("sku", String(32), ForeignKey("ts_products.sku"), primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
)

processed_payments = Table(
    "ts_processed_payments",
    metadata,
    Column("order_id", String(36), ForeignKey("ts_orders.id"), primary_key=True),
    Column("payment_id", String(64), primary_key=True),
)

events = Table(
    "ts_events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(32), nullable=False),
    Column("order_id", String(36), nullable=False),
    Column("occurred_at", String(32), nullable=False),
    Column("data", Text, nullable=False),
)

# One row holding the last event seq. Taking its row lock last in every writing
# transaction hands out seq numbers in commit order (see events.append).
event_counter = Table(
    "ts_event_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False),
)

idempotency_keys = Table(
    "ts_idempotency_keys",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("request", Text, nullable=False),
    Column("response", Text, nullable=False),
)
