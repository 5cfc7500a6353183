"""Tables that hold no entity: the outbox, its seq counter and idempotency keys."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from kata.domain_model.domain.entity import Entity

metadata = Entity.metadata

events = Table(
    "dm_events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(32), nullable=False),
    Column("order_id", String(36), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("data", Text, nullable=False),
)

# One row holding the last seq. Its row lock, taken as the last step of every writing
# transaction and held until commit, hands out seq numbers in commit order.
event_counter = Table(
    "dm_event_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False),
)

idempotency_keys = Table(
    "dm_idempotency_keys",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("request", Text, nullable=False),
    Column("response", Text, nullable=False),
)
