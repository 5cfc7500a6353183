"""Inventory's tables, prefixed ``mi_``: no other service reads or writes them."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, Text

metadata = MetaData()

products = Table(
    "mi_products",
    metadata,
    Column("sku", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("stock", Integer, nullable=False),
)

# What each order's reservation holds now, and the version of the last call that set it.
reservations = Table(
    "mi_reservations",
    metadata,
    Column("id", String(64), primary_key=True),  # the order's id
    Column("version", Integer, nullable=False),
    Column("lines", Text, nullable=False),  # JSON {sku: units}
)
