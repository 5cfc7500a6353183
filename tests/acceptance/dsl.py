"""The acceptance DSL: the shop as a customer, a shop owner and a payment provider see it.

Test cases speak these words (``shop.place_order``, ``shop.pay``); the DSL turns them into
HTTP requests through a driver. Names it makes up (SKUs, customer ids, payment ids) are
unique per run, so the same cases also pass against a live server with older data in it.
"""

from __future__ import annotations

import itertools
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from tests.acceptance.driver import Driver, Reply

JSON_TYPE = "application/json"
ORDER_STATES = ("PENDING_PAYMENT", "PAID", "SHIPPED", "CANCELLED")
EVENT_PAGE = 500

Line = tuple[str, int]
_UNSET: Any = object()

_run_token = secrets.token_hex(3).upper()
_counter = itertools.count(1)


def unique(label: str) -> str:
    """A name unique in this test run: ``PEN-3FA2C1-7``."""
    return f"{label}-{_run_token}-{next(_counter)}"


class Shop:
    """Everything the acceptance cases do to the ordering service."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.events_mark = self.last_event_seq()

    # --- raw HTTP -----------------------------------------------------------------------

    def request(
        self,
        method: str,
        target: str,
        json_body: Any = _UNSET,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send ``json_body`` encoded as JSON, or the raw ``body`` bytes as they are."""
        sent_headers = dict(headers or {})
        if json_body is not _UNSET:
            body = json.dumps(json_body).encode()
            sent_headers.setdefault("Content-Type", JSON_TYPE)
        return self.driver.send(method, target, body, sent_headers)

    # --- names ----------------------------------------------------------------------------

    def new_sku(self, label: str = "SKU") -> str:
        return unique(label.upper())

    def new_customer(self, label: str = "cust") -> str:
        return unique(label).replace("-", "_")

    def new_payment_id(self) -> str:
        return unique("pay")

    # --- catalogue ------------------------------------------------------------------------

    def register_product(
        self,
        sku: str,
        name: str = "Fountain pen",
        price: str = "10.00",
        stock: int = 100,
    ) -> Reply:
        return self.request(
            "POST", "/products", {"sku": sku, "name": name, "price": price, "stock": stock}
        )

    def add_product(self, price: str = "10.00", stock: int = 100, label: str = "SKU") -> str:
        """Register a new product for a test's setup; returns its SKU."""
        sku = self.new_sku(label)
        expect_status(self.register_product(sku, price=price, stock=stock), 201)
        return sku

    def get_product(self, sku: str) -> Reply:
        return self.request("GET", f"/products/{sku}")

    def product(self, sku: str) -> dict[str, Any]:
        return body_of(self.get_product(sku), 200)

    def stock_of(self, sku: str) -> int:
        stock: int = self.product(sku)["stock"]
        return stock

    def list_products(self) -> Reply:
        return self.request("GET", "/products")

    def update_product(self, sku: str, **fields: Any) -> Reply:
        return self.request("PATCH", f"/products/{sku}", fields)

    def restock(self, sku: str, quantity: Any) -> Reply:
        return self.request("POST", f"/products/{sku}/restock", {"quantity": quantity})

    # --- orders ---------------------------------------------------------------------------

    def place_order(
        self,
        customer: str,
        lines: Sequence[Line],
        idempotency_key: str | None = None,
    ) -> Reply:
        headers = {} if idempotency_key is None else {"Idempotency-Key": idempotency_key}
        body = {"customer_id": customer, "lines": [{"sku": s, "quantity": q} for s, q in lines]}
        return self.request("POST", "/orders", body, headers=headers)

    def placed_order(self, lines: Sequence[Line], customer: str | None = None) -> dict[str, Any]:
        """Place an order for a test's setup (a new customer unless given); returns the order."""
        return body_of(self.place_order(customer or self.new_customer(), lines), 201)

    def get_order(self, order_id: str) -> Reply:
        return self.request("GET", f"/orders/{order_id}")

    def order(self, order_id: str) -> dict[str, Any]:
        return body_of(self.get_order(order_id), 200)

    def list_orders(self, **params: Any) -> Reply:
        query = f"?{urlencode(params)}" if params else ""
        return self.request("GET", f"/orders{query}")

    def set_line(self, order_id: str, sku: str, quantity: Any) -> Reply:
        return self.request("PUT", f"/orders/{order_id}/lines/{sku}", {"quantity": quantity})

    def remove_line(self, order_id: str, sku: str) -> Reply:
        return self.request("DELETE", f"/orders/{order_id}/lines/{sku}")

    def cancel(self, order_id: str) -> Reply:
        return self.request("POST", f"/orders/{order_id}/cancellation", {})

    def ship(self, order_id: str) -> Reply:
        return self.request("POST", f"/orders/{order_id}/shipment", {})

    # --- payment provider -----------------------------------------------------------------

    def payment_event(self, **body: Any) -> Reply:
        return self.request("POST", "/payment-events", body)

    def pay(self, order_id: str, amount: str, payment_id: str | None = None) -> Reply:
        return self.payment_event(
            payment_id=payment_id or self.new_payment_id(),
            order_id=order_id,
            outcome="succeeded",
            amount=amount,
        )

    def fail_payment(self, order_id: str, amount: str, payment_id: str | None = None) -> Reply:
        return self.payment_event(
            payment_id=payment_id or self.new_payment_id(),
            order_id=order_id,
            outcome="failed",
            amount=amount,
        )

    def paid_order(self, lines: Sequence[Line]) -> dict[str, Any]:
        """Place and pay an order for a test's setup; returns the paid order."""
        order = self.placed_order(lines)
        return body_of(self.pay(order["id"], order["total"]), 200)

    # --- events ---------------------------------------------------------------------------

    def events(self, after: Any = _UNSET, limit: Any = _UNSET) -> Reply:
        params = {k: v for k, v in (("after", after), ("limit", limit)) if v is not _UNSET}
        query = f"?{urlencode(params)}" if params else ""
        return self.request("GET", f"/events{query}")

    def events_since(self, seq: int) -> list[dict[str, Any]]:
        """Every event after ``seq``, following pages to the end."""
        collected: list[dict[str, Any]] = []
        while True:
            page: list[dict[str, Any]] = body_of(self.events(after=seq, limit=EVENT_PAGE), 200)[
                "events"
            ]
            collected.extend(page)
            if len(page) < EVENT_PAGE:
                return collected
            seq = page[-1]["seq"]

    def last_event_seq(self) -> int:
        events = self.events_since(0)
        return int(events[-1]["seq"]) if events else 0

    def new_events(self) -> list[dict[str, Any]]:
        """Events recorded since this shop was opened (by this test, on a fresh database)."""
        return self.events_since(self.events_mark)

    def events_of(self, order_id: str) -> list[dict[str, Any]]:
        return [e for e in self.new_events() if e["order_id"] == order_id]

    def event_types_of(self, order_id: str) -> list[str]:
        return [e["type"] for e in self.events_of(order_id)]

    # --- observing "nothing changed" ------------------------------------------------------

    def snapshot(self, skus: Iterable[str] = (), order_ids: Iterable[str] = ()) -> dict[str, Any]:
        """What a client can see of these products and orders, plus every event so far."""
        return {
            "products": {sku: self.get_product(sku).json() for sku in skus},
            "orders": {oid: self.get_order(oid).json() for oid in order_ids},
            "events": self.new_events(),
        }


def expect_status(reply: Reply, status: int) -> Reply:
    assert reply.status == status, f"expected {status}: {reply}"
    return reply


def body_of(reply: Reply, status: int) -> dict[str, Any]:
    """The JSON object body of a reply that must have ``status``."""
    body = expect_status(reply, status).json()
    assert isinstance(body, dict), str(reply)
    return body


def expect_problem(reply: Reply, status: int, code: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem answer with this status and code; returns its body."""
    assert reply.status == status, f"expected {status} {code}: {reply}"
    assert reply.content_type == "application/problem+json", str(reply)
    body: dict[str, Any] = reply.json()
    assert body["type"] == f"urn:kata:problem:{code}", str(reply)
    assert body["status"] == status, str(reply)
    assert isinstance(body["title"], str)
    assert isinstance(body["detail"], str)
    return body
