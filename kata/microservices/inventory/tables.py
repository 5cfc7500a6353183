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
    Column("version", Integer, nullable=False),  # one more at every change, stock moves too
)

# What each order's reservation holds now, and the version of the last call that set it.
reservations = Table(
    "mi_reservations",
    metadata,
    Column("id", String(64), primary_key=True),  # the order's id
    Column("version", Integer, nullable=False),
    Column("lines", Text, nullable=False),  # JSON {sku: units}
)

# The catalogue writes the gateway forwarded, by its request id: each applied once however
# often it is sent, and withdrawn when the gateway lost its answer (see ``stock.withdrawn``).
# Once withdrawn, a late copy of it is refused. An id is never forgotten.
writes = Table(
    "mi_writes",
    metadata,
    Column("id", String(64), primary_key=True),  # the gateway's request id
    Column("state", String(10), nullable=False),  # APPLIED, WITHDRAWN or STANDS (both final)
    Column("kind", String(10)),  # register, change, restock; none if withdrawn unseen
    Column("before", Text),  # JSON: the product before the write (none for a registration)
    Column("after", Text),  # JSON: the product as the write left it
)
