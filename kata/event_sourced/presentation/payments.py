"""HTTP route of the payment provider's callbacks: ``/payment-events``."""

from __future__ import annotations

from flask import Blueprint, Response

from kata.event_sourced.application import commands
from kata.event_sourced.presentation.orders import order
from kata.event_sourced.presentation.requests import json_body
from kata.event_sourced.presentation.schemas import PaymentEvent, load
from kata.event_sourced.presentation.views import ok
from kata.event_sourced.presentation.wiring import stores

routes = Blueprint("payments", __name__)


@routes.post("/payment-events")
def record_payment_result() -> Response:
    fields = load(PaymentEvent, json_body())
    commands.record_payment_result(stores(), **fields)
    return ok(order(fields["order_id"]))
