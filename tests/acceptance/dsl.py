"""The acceptance DSL: the shop as a customer, a shop owner and a payment provider see it.

Test cases speak these words (``shop.place_order``, ``shop.pay``); the DSL turns them into
HTTP requests through a driver. Names it makes up (SKUs, customer ids, payment ids, keys) are
unique per run, so the same cases also pass against a live server with older data in it.
What a case expects of the replies lives in :mod:`tests.acceptance.expectations`.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from tests.acceptance.driver import Driver, Reply
from tests.acceptance.expectations import body_of, expect_status

JSON_TYPE = "application/json"
SAFE_METHODS = frozenset(["GET", "HEAD", "OPTIONS"])  # RFC 9110: they change nothing
ORDER_STATES = ("PENDING_PAYMENT", "PAID", "SHIPPED", "CANCELLED")
# The five things a client can do to an order: the columns of the O7 transition table.
ORDER_ACTIONS = ("pay", "fail payment", "cancel", "ship", "amend")
EVENT_PAGE = 500
ORDERS_PAGE = 200
BARRIER_TIMEOUT_SECONDS = 30.0

# The order ``Shop.order_in_state`` makes unless told otherwise: QUANTITY units of a new
# product priced PRICE with STOCK in stock, so its total is TOTAL.
PRICE, QUANTITY, TOTAL, STOCK = "10.00", 2, "20.00", 10

Line = tuple[str, int]
Order = dict[str, Any]
Send = Callable[[], Reply]
_UNSET: Any = object()

_run_token = secrets.token_hex(3).upper()
_counter = itertools.count(1)


def unique(label: str) -> str:
    """A name unique in this test run: ``PEN-3FA2C1-7``."""
    return f"{label}-{_run_token}-{next(_counter)}"


def encode(value: Any) -> bytes:
    """``value`` as JSON text, the way a well-behaved client writes it."""
    return json.dumps(value).encode()


def order_body(customer: Any, lines: Iterable[tuple[Any, Any]]) -> dict[str, Any]:
    """The body of ``POST /orders`` for a customer and (sku, quantity) items."""
    return {"customer_id": customer, "lines": [{"sku": s, "quantity": q} for s, q in lines]}


def _query(pairs: Iterable[tuple[str, Any]]) -> str:
    encoded = urlencode(list(pairs), quote_via=quote)
    return f"?{encoded}" if encoded else ""


@dataclass(frozen=True)
class PaymentReply(Reply):
    """The reply to a payment event, with the payment id the event carried."""

    payment_id: str


def run_together(calls: Sequence[Send]) -> list[Reply]:
    """Run every call on its own thread, released together by a barrier; replies in order."""
    barrier = threading.Barrier(len(calls), timeout=BARRIER_TIMEOUT_SECONDS)

    def start(call: Send) -> Reply:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(start, calls))


class Shop:
    """Everything the acceptance cases do to the ordering service."""

    def __init__(self, driver: Driver, known_seq: int = 0, *, fresh: bool = False) -> None:
        """``known_seq``: a seq the service has already recorded (0: none known), where the
        search for the end of its event log starts. ``fresh``: the service has recorded no
        event yet (its database was just put back to how it started), so there is nothing to
        search for: any event a case then reads after seq 0 is one the case made."""
        self.driver = driver
        # Snapshots taken since the last request that may change something: still current.
        self._current_snapshots: dict[tuple[object, ...], dict[str, Any]] = {}
        self.events_mark = 0
        if not fresh:
            self.events_mark = self.last_event_seq(known_seq)

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
            body = encode(json_body)
            sent_headers.setdefault("Content-Type", JSON_TYPE)
        if method.upper() not in SAFE_METHODS:
            self._current_snapshots.clear()
        return self.driver.send(method, target, body, sent_headers)

    def send_raw(
        self,
        method: str,
        target: str,
        body: bytes | None,
        *,
        content_type: str | None = JSON_TYPE,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send ``body`` exactly as given, with this ``Content-Type`` (None: no such header)."""
        sent = dict(headers or {})
        if content_type is not None:
            sent["Content-Type"] = content_type
        return self.request(method, target, body=body, headers=sent)

    # --- names ----------------------------------------------------------------------------

    def new_sku(self, label: str = "SKU") -> str:
        return unique(label.upper())

    def new_customer(self, label: str = "cust") -> str:
        return unique(label).replace("-", "_")

    def new_payment_id(self) -> str:
        return unique("pay")

    def new_idempotency_key(self, label: str = "key") -> str:
        return unique(label)

    def unknown_order_id(self) -> str:
        """An id shaped like the server's (a UUID) that names no order."""
        return str(uuid.uuid4())

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

    def products(self) -> list[dict[str, Any]]:
        """The whole catalogue, as ``GET /products`` lists it."""
        products: list[dict[str, Any]] = body_of(self.list_products(), 200)["products"]
        return products

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
        return self.request("POST", "/orders", order_body(customer, lines), headers=headers)

    def placed_order(self, lines: Sequence[Line], customer: str | None = None) -> Order:
        """Place an order for a test's setup (a new customer unless given); returns the order."""
        return body_of(self.place_order(customer or self.new_customer(), lines), 201)

    def placed_orders(self, count: int, lines: Sequence[Line], customer: str) -> list[Order]:
        """Place ``count`` orders of the same lines for ``customer``; returns them."""
        return [self.placed_order(lines, customer) for _ in range(count)]

    def move_to(self, order: Order, state: str) -> Order:
        """Take a ``PENDING_PAYMENT`` order to ``state`` the way clients do (``CANCELLED``:
        cancelled by the customer); returns it there."""
        moved = order
        if state == "CANCELLED":
            moved = body_of(self.cancel(order["id"]), 200)
        elif state in ("PAID", "SHIPPED"):
            moved = body_of(self.pay(order["id"], order["total"]), 200)
            if state == "SHIPPED":
                moved = body_of(self.ship(order["id"]), 200)
        assert moved["status"] == state, moved
        return moved

    def order_in_state(self, state: str, lines: Sequence[Line] | None = None) -> Order:
        """A new order of ``lines`` (QUANTITY units of a new product unless given), brought
        into ``state``."""
        if lines is None:
            lines = [(self.add_product(price=PRICE, stock=STOCK), QUANTITY)]
        return self.move_to(self.placed_order(lines), state)

    def get_order(self, order_id: str) -> Reply:
        return self.request("GET", f"/orders/{order_id}")

    def order(self, order_id: str) -> Order:
        return body_of(self.get_order(order_id), 200)

    def list_orders(self, *pairs: tuple[str, Any], **params: Any) -> Reply:
        """``GET /orders`` with these parameters; ``pairs`` may repeat a name."""
        return self.request("GET", "/orders" + _query([*pairs, *params.items()]))

    def orders_of(self, customer: str) -> list[Order]:
        """Every order of ``customer`` (newest first), as ``GET /orders`` lists them."""
        listed = self.list_orders(customer_id=customer, limit=ORDERS_PAGE)
        orders: list[Order] = body_of(listed, 200)["orders"]
        return orders

    def set_line(self, order_id: str, sku: str, quantity: Any) -> Reply:
        return self.request("PUT", f"/orders/{order_id}/lines/{sku}", {"quantity": quantity})

    def remove_line(self, order_id: str, sku: str) -> Reply:
        return self.request("DELETE", f"/orders/{order_id}/lines/{sku}")

    def cancel(self, order_id: str) -> Reply:
        return self.request("POST", f"/orders/{order_id}/cancellation", {})

    def ship(self, order_id: str) -> Reply:
        return self.request("POST", f"/orders/{order_id}/shipment", {})

    def act(self, action: str, order: Order) -> Reply:
        """One of ORDER_ACTIONS on ``order``: pay or fail a payment of its total, cancel,
        ship, or amend (one unit more of its first line)."""
        order_id = order["id"]
        if action == "pay":
            return self.pay(order_id, order["total"])
        if action == "fail payment":
            return self.fail_payment(order_id, order["total"])
        if action == "cancel":
            return self.cancel(order_id)
        if action == "ship":
            return self.ship(order_id)
        assert action == "amend", action
        line = order["lines"][0]
        return self.set_line(order_id, line["sku"], line["quantity"] + 1)

    # --- payment provider -----------------------------------------------------------------

    def payment_event(
        self, order_id: Any, outcome: Any, amount: Any, payment_id: str | None = None
    ) -> PaymentReply:
        """Report a payment result; a new payment id unless given (the reply names it)."""
        payment_id = self.new_payment_id() if payment_id is None else payment_id
        event = {
            "payment_id": payment_id,
            "order_id": order_id,
            "outcome": outcome,
            "amount": amount,
        }
        reply = self.request("POST", "/payment-events", event)
        return PaymentReply(
            reply.method, reply.target, reply.status, reply.headers, reply.body, payment_id
        )

    def pay(self, order_id: Any, amount: Any, payment_id: str | None = None) -> PaymentReply:
        return self.payment_event(order_id, "succeeded", amount, payment_id)

    def fail_payment(
        self, order_id: Any, amount: Any, payment_id: str | None = None
    ) -> PaymentReply:
        return self.payment_event(order_id, "failed", amount, payment_id)

    # --- events ---------------------------------------------------------------------------

    def events(self, *pairs: tuple[str, Any], **params: Any) -> Reply:
        """``GET /events`` with these parameters; ``pairs`` may repeat a name."""
        return self.request("GET", "/events" + _query([*pairs, *params.items()]))

    def event_feed(self, **params: Any) -> list[dict[str, Any]]:
        """The events of one page of ``GET /events`` with these parameters."""
        events: list[dict[str, Any]] = body_of(self.events(**params), 200)["events"]
        return events

    def events_since(self, seq: int) -> list[dict[str, Any]]:
        """Every event after ``seq``, following pages to the end."""
        collected: list[dict[str, Any]] = []
        while True:
            page = self.event_feed(after=seq, limit=EVENT_PAGE)
            collected.extend(page)
            if len(page) < EVENT_PAGE:
                return collected
            seq = page[-1]["seq"]

    def last_event_seq(self, known: int | None = None) -> int:
        """The highest seq recorded (0 if none), searched from ``known``, a seq already
        recorded (by default the one this shop started at).

        One page read from ``known`` finds it when few events came since (a case on a fresh
        database, or the next case on a live server). After a long history it gallops, then
        bisects, with one-event pages: a few dozen small requests instead of the whole log.
        """
        start = self.events_mark if known is None else known
        page = self.event_feed(after=start, limit=EVENT_PAGE)
        if len(page) < EVENT_PAGE:
            return int(page[-1]["seq"]) if page else start
        low, step = int(page[-1]["seq"]), 1  # invariant: the last seq is at least low
        while self._any_event_after(low + step):
            low, step = low + step + 1, step * 2
        high = low + step  # nothing after high: the last seq is at most high
        while low < high:
            middle = (low + high) // 2
            low, high = (middle + 1, high) if self._any_event_after(middle) else (low, middle)
        return low

    def _any_event_after(self, seq: int) -> bool:
        return bool(self.event_feed(after=seq, limit=1))

    def new_events(self) -> list[dict[str, Any]]:
        """Events recorded since this shop was opened (by this test, on a fresh database)."""
        return self.events_since(self.events_mark)

    def events_of(self, order_id: str) -> list[dict[str, Any]]:
        return [e for e in self.new_events() if e["order_id"] == order_id]

    def event_types_of(self, order_id: str) -> list[str]:
        return [e["type"] for e in self.events_of(order_id)]

    # --- observing "nothing changed" ------------------------------------------------------

    def snapshot(
        self,
        skus: Iterable[str] = (),
        order_ids: Iterable[str] = (),
        customers: Iterable[str] = (),
        catalogue: bool = False,
        *,
        reuse: bool = False,
    ) -> dict[str, Any]:
        """What a client can see of these products, orders and customers' order lists, plus
        every event so far (and the whole product list if ``catalogue``).

        With ``reuse``, a snapshot of the same things taken since the last request that may
        change something (any but GET, HEAD, OPTIONS) is returned instead of asking again:
        what the server showed then, it shows now. (A refused request checked by
        :func:`~tests.acceptance.expectations.unchanged` after another needs one look, not
        two.)
        """
        key = (tuple(skus), tuple(order_ids), tuple(customers), catalogue)
        if reuse and key in self._current_snapshots:
            return self._current_snapshots[key]
        seen = {
            "products": {sku: self.get_product(sku).json() for sku in skus},
            "orders": {oid: self.get_order(oid).json() for oid in order_ids},
            "orders of customers": {c: self.orders_of(c) for c in customers},
            "events": self.new_events(),
        }
        if catalogue:
            seen["catalogue"] = self.products()
        self._current_snapshots[key] = seen
        return seen
