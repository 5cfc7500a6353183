"""The read models: one table per question, rebuilt at will from the log (``es_`` prefix)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# GET /products and /products/<sku>.
products = Table(
    "es_product_view",
    metadata,
    Column("sku", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("stock", Integer, nullable=False),
)

# GET /orders/<id> and GET /orders?customer_id=&status=: an order as the client sees it.
orders = Table(
    "es_order_view",
    metadata,
    Column("number", BigInteger, primary_key=True, autoincrement=False),  # log position placed
    Column("id", String(36), nullable=False, unique=True),
    Column("customer_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("lines", Text, nullable=False),  # JSON: [[sku, quantity, unit_price], …] by SKU
    Column("subtotal_cents", BigInteger, nullable=False),
    Column("discount_cents", BigInteger, nullable=False),
    Column("total_cents", BigInteger, nullable=False),
    Column("payment_id", String(64)),
    Column("cancel_reason", String(16)),
    Column("refund_due", Boolean, nullable=False),
    Column("created_at", String(40), nullable=False),
    Index("es_order_view_customer", "customer_id", "number"),
    Index("es_order_view_status", "status", "number"),
)

# O6: how many unpaid orders each customer has, one row to read.
open_orders = Table(
    "es_open_orders",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("open", Integer, nullable=False),
)
