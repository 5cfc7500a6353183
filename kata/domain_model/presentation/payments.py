"""HTTP route of the payment provider's callbacks: ``/payment-events``."""

from __future__ import annotations

from flask import Blueprint, Response

from kata.domain_model.presentation.requests import json_body
from kata.domain_model.presentation.schemas import PaymentEvent, load
from kata.domain_model.presentation.views import ok, order_view
from kata.domain_model.presentation.wiring import database
from kata.domain_model.services import ordering

routes = Blueprint("payments", __name__)


@routes.post("/payment-events")
def record_payment_result() -> Response:
    fields = load(PaymentEvent, json_body())
    order = ordering.record_payment_result(database(), **fields)
    return ok(order_view(order))
