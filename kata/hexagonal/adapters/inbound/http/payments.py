"""HTTP route of the payment provider's callbacks: ``/payment-events``, driving ``Payments``."""

from __future__ import annotations

from flask import Blueprint, Response

from kata.hexagonal.adapters.inbound.http.requests import json_body
from kata.hexagonal.adapters.inbound.http.schemas import load
from kata.hexagonal.adapters.inbound.http.views import ok, order_view
from kata.hexagonal.adapters.inbound.http.wiring import use_cases
from kata.hexagonal.adapters.inbound.wire import PaymentEvent
from kata.hexagonal.application.ports import inbound

routes = Blueprint("payments", __name__)


@routes.post("/payment-events")
def record_payment_result() -> Response:
    command = inbound.RecordPaymentResult(**load(PaymentEvent, json_body()))
    return ok(order_view(use_cases().payments.record_result(command)))
