"""Both services in one process, as ``kata.microservices.app.create_app`` builds them, with a
transport in front of inventory that fails on purpose: at a chosen step (a quote, a hold, a
compensation's hold) it refuses the connection, times out once the request has reached
inventory, answers 500, or makes the ordering service die where it stands.

Nothing waits on a clock: the proxy's retries run without pauses (``conftest.py``), and the
circuit breaker's timeout is set, not waited out.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from flask.testing import FlaskClient

from kata.microservices.app import IN_PROCESS_INVENTORY, public_app
from kata.microservices.inventory import service as inventory_service
from kata.microservices.ordering.adapters.http.wiring import SERVICES
from kata.microservices.ordering.adapters.inventory_http import TIMEOUT, HttpInventory
from kata.microservices.ordering.application.ports import Saga
from kata.microservices.ordering.application.sagas import Services

ALWAYS = 1_000_000  # calls a fault lasts for: inventory stays that way
HANG_SECONDS = 60.0  # the bound on a held call, should a test fail to release it
FAILURES = ("down", "timeout", "500")
# The catalogue every test starts from: SKU -> (price, stock).
PRODUCTS = {"FAULT-A": ("2.50", 10), "FAULT-B": ("4.00", 10)}


class Crash(BaseException):
    """The ordering process dying where it stands: no layer catches a BaseException that is
    not an Exception (the saga's own ``except BaseException`` aside, which compensates)."""


class FaultyInventory(httpx.BaseTransport):
    """The inventory service behind a wire that fails as told, per step:

    - ``quote``: ``POST /quotes``;
    - ``hold``: a saga's step 2, ``PUT /reservations/<order>`` at a version not seen before;
    - ``undo``: its compensation, the same reservation at the version after a hold's;
    - ``catalogue``: what the gateway forwards, ``/products…``;
    - ``withdraw``: the withdrawal of a forwarded write, ``POST /writes/<id>/withdrawal``.

    Failures: ``down`` (connection refused: the request never arrives), ``timeout`` (it
    arrives and is carried out; the answer is lost), ``500`` (inventory fails before doing
    anything), ``crash`` (it is carried out, then the ordering process dies), ``hang`` (it
    waits for the test's ``released`` before it is carried out).
    """

    def __init__(self, inventory: httpx.BaseTransport) -> None:
        self._inventory = inventory
        self._planned: dict[str, tuple[str, int]] = {}
        self._holds: set[tuple[str, int]] = set()  # (reservation, version) sent as a hold
        self.sent: list[tuple[str, httpx.Request]] = []  # every call that reached the wire
        # step -> what happens elsewhere once inventory has carried out that call, before
        # its answer is back (another request, a recovery in another process)
        self.meanwhile: dict[str, Callable[[], object]] = {}
        self.hanging = threading.Event()  # a call is held (failure "hang")
        self.released = threading.Event()  # and may go on

    def fail(self, step: str, failure: str, times: int = ALWAYS) -> None:
        self._planned[step] = (failure, times)

    def heal(self) -> None:
        self._planned.clear()

    def calls(self, step: str) -> list[httpx.Request]:
        return [request for sent, request in self.sent if sent == step]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        step = self._step(request)
        self.sent.append((step, request))
        failure = self._take(step)
        if failure == "down":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if failure == "500":
            return httpx.Response(500, json={"status": 500}, request=request)
        if failure == "hang":  # inventory slow to answer: held until the test releases it
            self.hanging.set()
            assert self.released.wait(HANG_SECONDS), "the test never released the call"
        answer = self._inventory.handle_request(request)
        if step in self.meanwhile:
            self.meanwhile.pop(step)()
        if failure == "timeout":
            answer.read()
            raise httpx.ReadTimeout("timed out", request=request)
        if failure == "crash":
            raise Crash(f"the ordering process died after {step}")
        return answer

    def replay(self, request: httpx.Request) -> httpx.Response:
        """A copy of an earlier call, arriving late, straight at inventory."""
        answer = self._inventory.handle_request(
            httpx.Request(
                request.method, request.url, headers=request.headers, content=request.content
            )
        )
        answer.read()
        return answer

    def _step(self, request: httpx.Request) -> str:
        if request.url.path == "/quotes":
            return "quote"
        if request.url.path.startswith("/reservations/"):
            reservation = request.url.path.rpartition("/")[2]
            version = int(json.loads(request.content)["version"])
            if (reservation, version - 1) in self._holds:
                return "undo"
            self._holds.add((reservation, version))
            return "hold"
        if request.url.path.startswith("/writes/"):
            return "withdraw"
        return "catalogue"

    def _take(self, step: str) -> str | None:
        failure, times = self._planned.get(step, (None, 0))
        if failure is None or times <= 0:
            return None
        self._planned[step] = (failure, times - 1)
        return failure


@dataclass
class Shop:
    client: FlaskClient
    inventory: FaultyInventory
    proxy: HttpInventory
    services: Services
    restocked: Counter[str]

    def inventory_back(self) -> None:
        """Inventory answers again, and the circuit breaker's timeout has passed (set to 0,
        not waited out): the next call is its trial."""
        self.inventory.heal()
        self.proxy.breaker.reset_timeout = 0

    def sagas(self) -> list[Saga]:
        """Every saga in the log, however young."""
        with self.services.units() as uow:
            return uow.sagas.stale(datetime.now(UTC) + timedelta(days=1))

    def events(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.client.get("/events?limit=500").get_json()["events"]
        return events

    def catalogue(self) -> list[dict[str, Any]]:
        answer = self.client.get("/products")
        assert answer.status_code == 200, answer.get_json()
        products: list[dict[str, Any]] = answer.get_json()["products"]
        return products

    def stock(self) -> dict[str, int]:
        return {product["sku"]: product["stock"] for product in self.catalogue()}

    def owed(self) -> list[str]:
        """The forwarded writes whose withdrawal is left for recovery."""
        with self.services.units() as uow:
            return uow.withdrawals.owed()

    def order(self, order_id: str) -> dict[str, Any]:
        answer = self.client.get(f"/orders/{order_id}")
        assert answer.status_code == 200, answer.get_json()
        found: dict[str, Any] = answer.get_json()
        return found

    def place(self, lines: dict[str, int], customer: str = "customer") -> dict[str, Any]:
        body = {
            "customer_id": customer,
            "lines": [{"sku": s, "quantity": q} for s, q in lines.items()],
        }
        answer = self.client.post("/orders", json=body)
        assert answer.status_code == 201, answer.get_json()
        placed: dict[str, Any] = answer.get_json()
        return placed

    def assert_conserved(self) -> None:
        """Spec section 6: stock + units of every non-cancelled order = registered + restocks."""
        listed = self.client.get("/orders?limit=200").get_json()["orders"]
        reserved: Counter[str] = Counter()
        for order in listed:
            if order["status"] != "CANCELLED":
                reserved.update({line["sku"]: line["quantity"] for line in order["lines"]})
        stock = self.stock()
        for sku, (_price, registered) in PRODUCTS.items():
            assert stock[sku] + reserved[sku] == registered + self.restocked[sku], (
                sku,
                stock[sku],
                reserved[sku],
            )


@contextmanager
def open_shop(database_url: str) -> Iterator[Shop]:
    """The two services on ``database_url`` (each its own tables), the catalogue registered."""
    inventory_app = inventory_service.create_app(database_url)
    inventory = FaultyInventory(httpx.WSGITransport(app=inventory_app))
    client = httpx.Client(transport=inventory, base_url=IN_PROCESS_INVENTORY, timeout=TIMEOUT)
    proxy = HttpInventory(IN_PROCESS_INVENTORY, client)
    app = public_app(database_url, proxy)
    try:
        shop = Shop(app.test_client(), inventory, proxy, app.extensions[SERVICES], Counter())
        for sku, (price, stock) in PRODUCTS.items():
            body = {"sku": sku, "name": sku, "price": price, "stock": stock}
            assert shop.client.post("/products", json=body).status_code == 201
        inventory.sent.clear()
        yield shop
    finally:
        app.extensions["kata.close"]()
        inventory_app.extensions["kata.close"]()
        client.close()


def logged(caplog: pytest.LogCaptureFixture, logger: logging.Logger) -> list[tuple[int, str]]:
    """What ``logger`` told the operator (recovery's log is the only record of its work): each
    record's level and message."""
    return [
        (record.levelno, record.getMessage())
        for record in caplog.records
        if record.name == logger.name
    ]


def assert_unavailable(answer: Any) -> None:
    """Spec: 503 ``service-unavailable``, with ``Retry-After`` in seconds."""
    body = answer.get_json()
    assert answer.status_code == 503, body
    assert body["type"] == "urn:kata:problem:service-unavailable", body
    assert isinstance(body["detail"], str), body  # all four members always present
    assert answer.headers["Retry-After"].isdigit(), answer.headers
