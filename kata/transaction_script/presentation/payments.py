"""HTTP route of the payment provider's callbacks: ``/payment-events``."""

from __future__ import annotations

from flask import Blueprint, Response

from kata.transaction_script.presentation.requests import json_body
from kata.transaction_script.presentation.schemas import PaymentEvent, load
from kata.transaction_script.presentation.views import ok, order_view
from kata.transaction_script.presentation.wiring import database
from kata.transaction_script.services import payments

routes = Blueprint("payments", __name__)


@routes.post("/payment-events")
def record_payment_result() -> Response:
    fields = load(PaymentEvent, json_body())
    order = payments.record_payment_result(database(), **fields)
    return ok(order_view(order))
