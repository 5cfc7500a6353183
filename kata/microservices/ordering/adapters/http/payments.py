"""HTTP route of the payment provider's callbacks: ``/payment-events``."""

from __future__ import annotations

from flask import Blueprint, Response

from kata.microservices.chassis.requests import json_body
from kata.microservices.chassis.responses import ok
from kata.microservices.chassis.schemas import load
from kata.microservices.ordering.adapters.http.schemas import PaymentEvent
from kata.microservices.ordering.adapters.http.views import order_view
from kata.microservices.ordering.adapters.http.wiring import services
from kata.microservices.ordering.application import use_cases as ordering

routes = Blueprint("payments", __name__)


@routes.post("/payment-events")
def record_payment_result() -> Response:
    fields = load(PaymentEvent, json_body())
    order = ordering.record_payment_result(services(), **fields)
    return ok(order_view(order))
