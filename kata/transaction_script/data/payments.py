"""Table data gateway for ``processed_payments``: which payment ids each order has seen."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, insert, select

from kata.transaction_script.data.tables import processed_payments

# Built once, at import: building a statement costs more than running it.
_PROCESSED = select(processed_payments.c.payment_id).where(
    processed_payments.c.order_id == bindparam("order_id"),
    processed_payments.c.payment_id == bindparam("payment_id"),
)
_REMEMBER = insert(processed_payments)


def was_processed(connection: Connection, order_id: str, payment_id: str) -> bool:
    found = connection.execute(_PROCESSED, {"order_id": order_id, "payment_id": payment_id})
    return found.first() is not None


def remember(connection: Connection, order_id: str, payment_id: str) -> None:
    connection.execute(_REMEMBER, {"order_id": order_id, "payment_id": payment_id})
