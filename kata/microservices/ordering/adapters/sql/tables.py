"""The ordering service's tables, prefixed ``mo_``: no other service reads or writes them.

An order is one row, its lines and processed payments as JSON in it: inside one service the
aggregate is stored whole, and read and written in one statement.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, MetaData, String, Table, Text

metadata = MetaData()

orders = Table(
    "mo_orders",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=True),  # placement order
    Column("id", String(36), nullable=False, unique=True),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("lines", Text, nullable=False),  # JSON [[sku, quantity, unit price cents], …]
    Column("payment_id", String(64)),
    Column("cancel_reason", String(16)),
    Column("refund_due", Boolean, nullable=False),
    Column("processed_payments", Text, nullable=False),  # JSON [payment id, …]
    Column("created_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),  # optimistic concurrency
    # The last version handed to the inventory's reservation of this order (sagas).
    Column("reservation_version", Integer, nullable=False),
)

# The saga log: the stock moves in flight, one per order at most (the primary key).
sagas = Table(
    "mo_sagas",
    metadata,
    Column("order_id", String(36), primary_key=True),
    Column("step", String(16), nullable=False),
    Column("state", String(10), nullable=False),  # STARTED, UNDOING
    Column("previous", Text, nullable=False),  # JSON {sku: units}: the compensation's target
    Column("target", Text, nullable=False),
    Column("forward_version", Integer, nullable=False),
    Column("undo_version", Integer, nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("redo", Text),  # JSON: the change as a command, for a saga that gave units back
)

events = Table(
    "mo_events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(32), nullable=False),
    Column("order_id", String(36), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("data", Text, nullable=False),
)

event_counter = Table(
    "mo_event_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False),
)

idempotency_keys = Table(
    "mo_idempotency_keys",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("request", Text, nullable=False),
    Column("response", Text, nullable=False),
)

# Catalogue writes the gateway answered 503 for while inventory may have taken them, and
# whose withdrawal it did not answer either: recovery withdraws them (inventory's write ids).
withdrawals = Table(
    "mo_withdrawals",
    metadata,
    Column("write", String(64), primary_key=True),
    Column("since", String(40), nullable=False),
)
