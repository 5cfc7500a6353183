"""HTTP routes of orders: ``/orders`` and everything under it. Writes run a command, then read
the order back from the query side."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response

from kata.event_sourced.application import commands
from kata.event_sourced.application.commands import Idempotency
from kata.event_sourced.domain.errors import NotFound
from kata.event_sourced.presentation.requests import json_body, optional_json_body
from kata.event_sourced.presentation.schemas import (
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
from kata.event_sourced.presentation.views import created, ok, order_view
from kata.event_sourced.presentation.wiring import queries, stores

routes = Blueprint("orders", __name__)


@routes.post("/orders")
def place_order() -> Response:
    body = json_body()
    key, key_errors = idempotency_key_errors()
    fields = load(NewOrder, body, key_errors)
    # Equal as JSON: canonical text ignores key order and white space.
    idempotency = None if key is None else Idempotency(key, json.dumps(body, sort_keys=True))
    order_id = commands.place_order(
        stores(), fields["customer_id"], merged_lines(fields["lines"]), idempotency
    )
    # The order as placed, not as it may be by now: a replay answers the same (O12).
    placed = queries().order_as_placed(order_id)
    assert placed is not None, "the command committed the order's first event"
    return created(order_view(placed), f"/orders/{order_id}")


@routes.get("/orders")
def list_orders() -> Response:
    params = query(OrdersQuery)
    found = queries().orders(params.get("customer_id"), params.get("status"), params["limit"])
    return ok({"orders": [order_view(order) for order in found]})


@routes.get("/orders/<order_id>")
def get_order(order_id: str) -> Response:
    return ok(order(order_id))


@routes.put("/orders/<order_id>/lines/<sku>")
def set_line(order_id: str, sku: str) -> Response:
    fields = load(LineQuantity, json_body())
    commands.set_line(stores(), order_id, path_sku(sku), fields["quantity"])
    return ok(order(order_id))


@routes.delete("/orders/<order_id>/lines/<sku>")
def remove_line(order_id: str, sku: str) -> Response:
    commands.remove_line(stores(), order_id, path_sku(sku))
    return ok(order(order_id))


@routes.post("/orders/<order_id>/cancellation")
def cancel_order(order_id: str) -> Response:
    load(NoFields, optional_json_body() or {})
    commands.cancel_order(stores(), order_id)
    return ok(order(order_id))


@routes.post("/orders/<order_id>/shipment")
def ship_order(order_id: str) -> Response:
    load(NoFields, optional_json_body() or {})
    commands.ship_order(stores(), order_id)
    return ok(order(order_id))


def order(order_id: str) -> dict[str, Any]:
    """The order as the query side shows it now."""
    found = queries().order(order_id)
    if found is None:
        raise NotFound(f"No order {order_id}.")
    return order_view(found)
