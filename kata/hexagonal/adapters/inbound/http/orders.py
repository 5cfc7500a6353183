"""HTTP routes of orders: ``/orders`` and everything under it, driving the ``Ordering`` port."""

from __future__ import annotations

import json

from flask import Blueprint, Response

from kata.hexagonal.adapters.inbound.http.requests import json_body, optional_json_body
from kata.hexagonal.adapters.inbound.http.schemas import (
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
from kata.hexagonal.adapters.inbound.http.views import created, ok, order_view
from kata.hexagonal.adapters.inbound.http.wiring import use_cases
from kata.hexagonal.application.ports import inbound

routes = Blueprint("orders", __name__)


@routes.post("/orders")
def place_order() -> Response:
    body = json_body()
    key, key_errors = idempotency_key_errors()
    fields = load(NewOrder, body, key_errors)
    command = inbound.PlaceOrder(
        customer_id=fields["customer_id"],
        quantities=tuple(sorted(merged_lines(fields["lines"]).items())),
        idempotency_key=key,
        # Equal as JSON: canonical text ignores key order and white space.
        request=json.dumps(body, sort_keys=True),
    )
    order = use_cases().ordering.place(command)
    return created(order_view(order), f"/orders/{order.id}")


@routes.get("/orders")
def list_orders() -> Response:
    params = query(OrdersQuery)
    found = use_cases().ordering.list(
        inbound.ListOrders(params.get("customer_id"), params.get("status"), params["limit"])
    )
    return ok({"orders": [order_view(order) for order in found]})


@routes.get("/orders/<order_id>")
def get_order(order_id: str) -> Response:
    return ok(order_view(use_cases().ordering.get(order_id)))


@routes.put("/orders/<order_id>/lines/<sku>")
def set_line(order_id: str, sku: str) -> Response:
    fields = load(LineQuantity, json_body())
    command = inbound.SetLine(order_id, path_sku(sku), fields["quantity"])
    return ok(order_view(use_cases().ordering.set_line(command)))


@routes.delete("/orders/<order_id>/lines/<sku>")
def remove_line(order_id: str, sku: str) -> Response:
    command = inbound.RemoveLine(order_id, path_sku(sku))
    return ok(order_view(use_cases().ordering.remove_line(command)))


@routes.post("/orders/<order_id>/cancellation")
def cancel_order(order_id: str) -> Response:
    load(NoFields, optional_json_body() or {})
    return ok(order_view(use_cases().ordering.cancel(order_id)))


@routes.post("/orders/<order_id>/shipment")
def ship_order(order_id: str) -> Response:
    load(NoFields, optional_json_body() or {})
    return ok(order_view(use_cases().ordering.ship(order_id)))
