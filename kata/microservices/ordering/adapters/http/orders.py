"""HTTP routes of orders: ``/orders`` and everything under it."""

from __future__ import annotations

import json

from flask import Blueprint, Response

from kata.microservices.chassis.requests import json_body, optional_json_body
from kata.microservices.chassis.responses import created, ok
from kata.microservices.chassis.schemas import idempotency_key_errors, load, path_sku, query
from kata.microservices.ordering.adapters.http.schemas import (
    LineQuantity,
    NewOrder,
    NoFields,
    OrdersQuery,
    merged_lines,
)
from kata.microservices.ordering.adapters.http.views import order_view
from kata.microservices.ordering.adapters.http.wiring import services
from kata.microservices.ordering.application import use_cases as ordering
from kata.microservices.ordering.application.use_cases import Idempotency

routes = Blueprint("orders", __name__)


@routes.post("/orders")
def place_order() -> Response:
    body = json_body()
    key, key_errors = idempotency_key_errors()
    fields = load(NewOrder, body, key_errors)
    # Equal as JSON: canonical text ignores key order and white space.
    idempotency = None if key is None else Idempotency(key, json.dumps(body, sort_keys=True))
    order = ordering.place_order(
        services(), fields["customer_id"], merged_lines(fields["lines"]), idempotency
    )
    return created(order_view(order), f"/orders/{order.id}")


@routes.get("/orders")
def list_orders() -> Response:
    params = query(OrdersQuery)
    found = ordering.list_orders(
        services(), params.get("customer_id"), params.get("status"), params["limit"]
    )
    return ok({"orders": [order_view(order) for order in found]})


@routes.get("/orders/<order_id>")
def get_order(order_id: str) -> Response:
    return ok(order_view(ordering.get_order(services(), order_id)))


@routes.put("/orders/<order_id>/lines/<sku>")
def set_line(order_id: str, sku: str) -> Response:
    fields = load(LineQuantity, json_body())
    order = ordering.set_line(services(), order_id, path_sku(sku), fields["quantity"])
    return ok(order_view(order))


@routes.delete("/orders/<order_id>/lines/<sku>")
def remove_line(order_id: str, sku: str) -> Response:
    return ok(order_view(ordering.remove_line(services(), order_id, path_sku(sku))))


@routes.post("/orders/<order_id>/cancellation")
def cancel_order(order_id: str) -> Response:
    load(NoFields, optional_json_body() or {})
    return ok(order_view(ordering.cancel_order(services(), order_id)))


@routes.post("/orders/<order_id>/shipment")
def ship_order(order_id: str) -> Response:
    load(NoFields, optional_json_body() or {})
    return ok(order_view(ordering.ship_order(services(), order_id)))
