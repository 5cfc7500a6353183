"""HTTP route of the payment provider's callbacks: ``/payment-events``."""

from __future__ import annotations

from flask import Blueprint, Response

from kata.aggregate.application import ordering
from kata.aggregate.presentation.requests import json_body
from kata.aggregate.presentation.schemas import PaymentEvent, load
from kata.aggregate.presentation.views import ok, order_view
from kata.aggregate.presentation.wiring import units

routes = Blueprint("payments", __name__)


@routes.post("/payment-events")
def record_payment_result() -> Response:
    fields = load(PaymentEvent, json_body())
    order = ordering.record_payment_result(units(), **fields)
    return ok(order_view(order))
