"""HTTP routes of orders: ``/orders`` and everything under it."""

from __future__ import annotations

import json

from flask import Blueprint, Response

from kata.domain_model.presentation.requests import json_body, optional_json_body
from kata.domain_model.presentation.schemas import (
    LineQuantity,
    NewOrder,
    NoFields,
    OrdersQuery,
    idempotency_key_errors,
    load,
    merged_lines,
    path_sku,
    query,
)
from kata.domain_model.presentation.views import created, ok, order_view
from kata.domain_model.presentation.wiring import database
from kata.domain_model.services import ordering
from kata.domain_model.services.ordering import Idempotency

routes = Blueprint("orders", __name__)


@routes.post("/orders")
def place_order() -> Response:
    body = json_body()
    key, key_errors = idempotency_key_errors()
    fields = load(NewOrder, body, key_errors)
    # Equal as JSON: canonical text ignores key order and white space.
    idempotency = None if key is None else Idempotency(key, json.dumps(body, sort_keys=True))
    order = ordering.place_order(
        database(), fields["customer_id"], merged_lines(fields["lines"]), idempotency
    )
    return created(order_view(order), f"/orders/{order.id}")


@routes.get("/orders")
def list_orders() -> Response:
    params = query(OrdersQuery)
    found = ordering.list_orders(
        database(), params.get("customer_id"), params.get("status"), params["limit"]
    )
    return ok({"orders": [order_view(order) for order in found]})


@routes.get("/orders/<order_id>")
def get_order(order_id: str) -> Response:
    return ok(order_view(ordering.get_order(database(), order_id)))


@routes.put("/orders/<order_id>/lines/<sku>")
def set_line(order_id: str, sku: str) -> Response:
    fields = load(LineQuantity, json_body())
    order = ordering.set_line(database(), order_id, path_sku(sku), fields["quantity"])
    return ok(order_view(order))


@routes.delete("/orders/<order_id>/lines/<sku>")
def remove_line(order_id: str, sku: str) -> Response:
    return ok(order_view(ordering.remove_line(database(), order_id, path_sku(sku))))


@routes.post("/orders/<order_id>/cancellation")
def cancel_order(order_id: str) -> Response:
    load(NoFields, optional_json_body() or {})
    return ok(order_view(ordering.cancel_order(database(), order_id)))


@routes.post("/orders/<order_id>/shipment")
def ship_order(order_id: str) -> Response:
    load(NoFields, optional_json_body() or {})
    return ok(order_view(ordering.ship_order(database(), order_id)))
