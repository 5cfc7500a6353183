"""The spec's use cases, each as a request to measure and the set-up that makes it succeed.

A use case is driven through a variant's Flask app (its HTTP contract), so the same request
runs in every variant. ``prepare`` builds the state the request needs (products, an order of
``lines`` lines, a payment) and returns the request; only that request is measured.
Each call of ``prepare`` uses a customer of its own, so it can be repeated on one database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient

SKUS = [f"SKU-{n:02d}" for n in range(1, 21)]  # O1: an order holds at most 20 lines


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class UseCase:
    name: str
    prepare: Callable[[FlaskClient, int, int], Request]  # (client, lines, round) -> request


class SetUpFailed(RuntimeError):
    """A set-up request did not succeed: the measurement would be of an error path."""


def send(client: FlaskClient, request: Request) -> Any:
    reply = client.open(request.path, method=request.method, json=request.body)
    if reply.status_code >= 300:
        raise SetUpFailed(f"{request.method} {request.path} -> {reply.status_code}: {reply.text}")
    return reply.get_json()


def register_products(client: FlaskClient) -> None:
    """The 20 products every use case orders from; call once per database."""
    for sku in SKUS:
        body = {"sku": sku, "name": f"Product {sku}", "price": "1.00", "stock": 1_000_000}
        send(client, Request("POST", "/products", body))


def _place(lines: int, round_: int) -> Request:
    items = [{"sku": sku, "quantity": 1} for sku in SKUS[:lines]]
    return Request("POST", "/orders", {"customer_id": f"customer-{round_}", "lines": items})


def _placed(client: FlaskClient, lines: int, round_: int) -> Any:
    return send(client, _place(lines, round_))


def _paid(client: FlaskClient, lines: int, round_: int) -> Any:
    order = _placed(client, lines, round_)
    send(client, _payment(order, round_))
    return order


def _payment(order: Any, round_: int, outcome: str = "succeeded") -> Request:
    body = {
        "payment_id": f"payment-{round_}",
        "order_id": order["id"],
        "outcome": outcome,
        "amount": order["total"],
    }
    return Request("POST", "/payment-events", body)


def _place_order(client: FlaskClient, lines: int, round_: int) -> Request:
    return _place(lines, round_)


def _amend_line(client: FlaskClient, lines: int, round_: int) -> Request:
    order = _placed(client, lines, round_)
    return Request("PUT", f"/orders/{order['id']}/lines/{SKUS[0]}", {"quantity": 2})


def _pay(client: FlaskClient, lines: int, round_: int) -> Request:
    return _payment(_placed(client, lines, round_), round_)


def _payment_failed(client: FlaskClient, lines: int, round_: int) -> Request:
    return _payment(_placed(client, lines, round_), round_, outcome="failed")  # O10: stock returns


def _cancel(client: FlaskClient, lines: int, round_: int) -> Request:
    order = _paid(client, lines, round_)  # a paid order: the longest cancellation (O7 refund)
    return Request("POST", f"/orders/{order['id']}/cancellation", {})


def _ship(client: FlaskClient, lines: int, round_: int) -> Request:
    order = _paid(client, lines, round_)
    return Request("POST", f"/orders/{order['id']}/shipment", {})


def _get_order(client: FlaskClient, lines: int, round_: int) -> Request:
    return Request("GET", f"/orders/{_placed(client, lines, round_)['id']}")


def _list_orders(client: FlaskClient, lines: int, round_: int) -> Request:
    for _ in range(3):  # O6 allows three open orders: the list shows three orders of `lines` lines
        _placed(client, lines, round_)
    return Request("GET", f"/orders?customer_id=customer-{round_}")


USE_CASES = [
    UseCase("place order", _place_order),
    UseCase("amend line", _amend_line),
    UseCase("pay", _pay),
    UseCase("payment failed", _payment_failed),
    UseCase("cancel", _cancel),
    UseCase("ship", _ship),
    UseCase("get order", _get_order),
    UseCase("list orders", _list_orders),
]


def use_case(name: str) -> UseCase:
    """The use case called ``name`` (``"place order"``, ``"get order"``, …)."""
    return next(case for case in USE_CASES if case.name == name)
