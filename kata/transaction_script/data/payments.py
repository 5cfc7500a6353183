"""Table data gateway for ``processed_payments``: which payment ids each order has seen."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from kata.transaction_script.data.tables import processed_payments


def was_processed(connection: Connection, order_id: str, payment_id: str) -> bool:
    query = select(processed_payments.c.payment_id).where(
        processed_payments.c.order_id == order_id,
        processed_payments.c.payment_id == payment_id,
    )
    return connection.execute(query).first() is not None


def remember(connection: Connection, order_id: str, payment_id: str) -> None:
    connection.execute(insert(processed_payments).values(order_id=order_id, payment_id=payment_id))
