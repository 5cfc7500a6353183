"""Transaction script for payment results sent by the payment provider (O10)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from sqlalchemy import Connection

from kata.transaction_script.data import orders, payments
from kata.transaction_script.records import PAID, PENDING_PAYMENT, Order, money_text
from kata.transaction_script.services import outbox
from kata.transaction_script.services.errors import PaymentMismatch
from kata.transaction_script.services.orders import cancel, locked_order, require_status
from kata.transaction_script.services.transaction import script

SUCCEEDED = "succeeded"
FAILED = "failed"


@script
def record_payment_result(
    connection: Connection, payment_id: str, order_id: str, outcome: str, amount: Decimal
) -> Order:
    """Apply one payment result; a result seen before for this order changes nothing."""
    order = locked_order(connection, order_id)
    if payments.was_processed(connection, order_id, payment_id):  # rule: O10
        return order
    require_status(order, f"record a {outcome} payment for", PENDING_PAYMENT)  # rule: O7, O10
    if outcome == FAILED:  # rule: O10
        payments.remember(connection, order_id, payment_id)
        return cancel(connection, order, "payment-failed")
    if amount != order.total:  # rule: O10
        raise PaymentMismatch(
            f"Paid {money_text(amount)}, but the total is {money_text(order.total)}."
        )
    payments.remember(connection, order_id, payment_id)
    orders.mark_paid(connection, order_id, PAID, payment_id)
    outbox.record(
        connection,
        "OrderPaid",
        order_id,
        {"payment_id": payment_id, "amount": money_text(amount)},
    )
    return dataclasses.replace(order, status=PAID, payment_id=payment_id)
