"""Exercise 09, a third service: payments behind an API proxy (rules PS1-PS7 of the README).

``POST /orders/<id>/payment`` has the shop ask a payment provider to charge the order's total:
an approval pays the order, a decline cancels it and returns its stock (the compensation), and
an answer the shop did not get is settled by asking the provider again, never guessed.

The provider is a fake (:class:`FakeProvider`) on a port of its own, which the variant finds
through ``KATA_PAYMENTS_URL`` as it would find a real one, and each case tells it what to do:
approve, decline, lose its answers (after taking a payment, or before), or be down. Nothing
sleeps: a lost answer is a connection closed without a reply, which the shop's HTTP client
sees at once, where a timeout would make it wait first; to the shop both mean the same (the
payment may or may not have been taken). Each case gets the variant's app (built once) on its
database as it was after the app started. Run with ``pytest --exercise 09 --variant NAME``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
from flask import Flask

from kata import variants
from tests.acceptance.conftest import Target
from tests.acceptance.contract import check_reply
from tests.acceptance.driver import CheckingDriver, InProcessDriver, Reply
from tests.acceptance.dsl import Order, Shop, run_together
from tests.acceptance.expectations import (
    body_of,
    expect_event_shape,
    expect_invalid,
    expect_one_new_event,
    expect_problem,
    expect_status,
    unchanged,
)
from tests.backends import RestoredApps

PAYMENTS_ENV = "KATA_PAYMENTS_URL"  # where a variant finds its payment provider (README)
APPROVED, DECLINED = "succeeded", "failed"  # the provider's outcomes: O10's words
PAYMENT_ROUTE = re.compile(r"/orders/(?P<order_id>[^/]+)/payment")
# What POST /orders/<id>/payment may answer besides 200 (PS6); never 500.
PAYMENT_PROBLEMS = {
    (400, "malformed-request"),
    (404, "not-found"),
    (409, "invalid-state"),
    (409, "payment-mismatch"),
    (409, "concurrent-modification"),
    (413, "payload-too-large"),
    (415, "unsupported-media-type"),
    (422, "validation-error"),
    (503, "service-unavailable"),
}
RIVALS = 3  # requests to pay one order at once


# --- the fake payment provider --------------------------------------------------------------

PROVIDER_PATH = re.compile(r"/payments/(?P<payment_id>[A-Za-z0-9_-]{1,64})")
PROVIDER_MONEY = re.compile(r"[0-9]{1,6}\.[0-9]{2}")
SERVER_POLL_SECONDS = 0.05  # how soon a stopped fake lets go of its port


@dataclass(frozen=True)
class Charge:
    """One payment the provider took, as it answers for it, every time it is asked."""

    payment_id: str
    order_id: str
    amount: str
    outcome: str


class FakeProvider:
    """The payment provider's API (see the README), on a port of its own, told by the test
    what to do next.

    ``PUT /payments/<payment_id>`` with ``{"order_id", "amount"}`` charges a new payment id
    (with :attr:`outcome`) and answers the charge; a payment id it has seen is answered with
    its first answer and charges nothing. ``GET /payments/<payment_id>`` answers the charge, or
    404 if it never took that payment.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0  # kept across go_down and come_back
        self.outcome = APPROVED
        self.charges: dict[str, Charge] = {}
        self.requests: list[str] = []  # "PUT /payments/…", in the order they came
        self._to_lose: int | None = 0  # answers still to lose; None: every one
        self._take_while_losing = True

    # --- what a test tells it --------------------------------------------------------------

    def reset(self) -> None:
        """Approve every payment, answer every request, forget everything; up."""
        with self._lock:
            self.outcome = APPROVED
            self.charges = {}
            self.requests = []
            self._to_lose = 0
        if self._server is None:
            self.come_back()

    def decline(self) -> None:
        self.outcome = DECLINED

    def lose_answers(self, count: int | None = 1, *, taken: bool) -> None:
        """Lose the answers to the next ``count`` requests (None: to every one until
        :meth:`answer_again`): close the connection without a reply. With ``taken``, a new
        payment is charged all the same; without, the request never arrived."""
        with self._lock:
            self._to_lose, self._take_while_losing = count, taken

    def answer_again(self) -> None:
        with self._lock:
            self._to_lose = 0

    def go_down(self) -> None:
        """Stop listening: the shop's connections are refused."""
        assert self._server is not None
        assert self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def come_back(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SERVER_POLL_SECONDS},
            name="fake-payment-provider",
            daemon=True,
        )
        self._thread.start()

    # --- what a test reads -----------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def charges_of(self, order_id: str) -> list[Charge]:
        with self._lock:
            return [charge for charge in self.charges.values() if charge.order_id == order_id]

    # --- serving -----------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                provider._serve(self)

            def do_GET(self) -> None:
                provider._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test reads ``requests`` instead."""

        return Handler

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        path = PROVIDER_PATH.fullmatch(request.path)
        with self._lock:
            self.requests.append(f"{request.command} {request.path}")
            lost = self._to_lose is None or self._to_lose > 0
            if self._to_lose:
                self._to_lose -= 1
            if path is None:
                status, answer = 404, _problem("not-found", "No such resource.")
            elif request.command == "GET":
                status, answer = self._look_up(path["payment_id"])
            elif lost and not self._take_while_losing:
                status, answer = 0, {}  # never arrived: nothing taken
            else:
                status, answer = self._charge(path["payment_id"], body)
        if lost:
            request.close_connection = True  # no reply at all: the answer is lost
            return
        content = json.dumps(answer).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(content)))
        request.end_headers()
        request.wfile.write(content)

    def _charge(self, payment_id: str, body: bytes) -> tuple[int, dict[str, str]]:
        if payment_id in self.charges:  # idempotent: the first answer, nothing charged again
            return 200, dataclasses.asdict(self.charges[payment_id])
        try:
            fields = json.loads(body)
        except ValueError:
            fields = None
        if not (
            isinstance(fields, dict)
            and set(fields) == {"order_id", "amount"}
            and isinstance(fields["order_id"], str)
            and isinstance(fields["amount"], str)
            and PROVIDER_MONEY.fullmatch(fields["amount"])
        ):
            detail = 'Send {"order_id": "<the order>", "amount": "12.50"}.'
            return 422, _problem("validation-error", detail)
        charge = Charge(payment_id, fields["order_id"], fields["amount"], self.outcome)
        self.charges[payment_id] = charge
        return 200, dataclasses.asdict(charge)

    def _look_up(self, payment_id: str) -> tuple[int, dict[str, str]]:
        if payment_id not in self.charges:
            return 404, _problem("not-found", f"No payment {payment_id}.")
        return 200, dataclasses.asdict(self.charges[payment_id])


def _problem(code: str, detail: str) -> dict[str, str]:
    return {"type": f"urn:provider:problem:{code}", "detail": detail}


@pytest.fixture(scope="session")
def fake_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    provider.come_back()
    yield provider
    provider.reset()
    provider.go_down()


@pytest.fixture
def provider(fake_provider: FakeProvider) -> FakeProvider:
    """The fake provider, approving and answering, with nothing charged yet."""
    fake_provider.reset()
    return fake_provider


# --- the shop, told where the provider is --------------------------------------------------


def check_payment_reply(reply: Reply) -> None:
    """The contract of ``POST /orders/<id>/payment`` (README): an order as ``GET
    /orders/<id>`` shows one, or one of its problems (a 503 with ``Retry-After``)."""
    route = PAYMENT_ROUTE.fullmatch(urlsplit(reply.target).path)
    assert route is not None, reply.target
    if reply.status == 200:
        check_reply(dataclasses.replace(reply, method="GET", target=f"/orders/{route[1]}"))
        return
    assert (reply.status, reply.problem) in PAYMENT_PROBLEMS, f"not a payment's answer: {reply}"
    expect_problem(reply, reply.status, str(reply.problem))
    if reply.status == 503:
        assert reply.headers.get("retry-after", "").isdigit(), f"no Retry-After: {reply}"


def check(reply: Reply) -> None:
    """Every reply against docs/openapi.yaml, the new route against this exercise's contract."""
    is_payment = reply.method == "POST" and PAYMENT_ROUTE.fullmatch(urlsplit(reply.target).path)
    (check_payment_reply if is_payment else check_reply)(reply)


@pytest.fixture(scope="session")
def payment_apps(fake_provider: FakeProvider) -> Iterator[RestoredApps]:
    """Each variant's app, built once per test process with ``KATA_PAYMENTS_URL`` naming the
    fake provider (it outlives them), and handed to each case on a database as it was after
    start, like the shared suite's."""
    with ExitStack() as resources:
        yield RestoredApps(resources)


@pytest.fixture
def shop(target: Target, provider: FakeProvider, payment_apps: RestoredApps) -> Shop:
    """The shop, told where the provider is; every reply checked."""
    if target.backend == "live":
        pytest.skip("a live server was started without our fake provider: nothing to drive")
    variant = target.variant
    assert variant is not None

    def start(database_url: str) -> Flask:
        with mock.patch.dict(os.environ, {PAYMENTS_ENV: provider.url}):
            return variants.create_app(variant, database_url)

    app = payment_apps.fresh(target, start, target.backend)
    return Shop(CheckingDriver(InProcessDriver(app), check))


def pay(shop: Shop, order: Order, body: Any = None) -> Reply:
    """Ask the shop to have the provider charge ``order`` (``{}`` unless another body)."""
    return shop.request("POST", f"/orders/{order['id']}/payment", {} if body is None else body)


def without(order: Order, *names: str) -> dict[str, Any]:
    return {name: value for name, value in order.items() if name not in names}


def only_charge(provider: FakeProvider, order: Order) -> Charge:
    """The one payment the provider took for ``order``, for its total."""
    charges = provider.charges_of(order["id"])
    assert len(charges) == 1, f"expected one charge for the order, the provider has {charges}"
    assert Decimal(charges[0].amount) == Decimal(order["total"]), (charges[0], order["total"])
    return charges[0]


def expect_paid(shop: Shop, provider: FakeProvider, order: Order, reply: Reply) -> None:
    """PS2: 200 with the order PAID by the provider's payment, and its OrderPaid event."""
    charge = only_charge(provider, order)
    assert charge.outcome == APPROVED
    paid = body_of(reply, 200)
    assert (paid["status"], paid["payment_id"]) == ("PAID", charge.payment_id), paid
    assert without(paid, "status", "payment_id") == without(order, "status", "payment_id")
    assert shop.order(order["id"]) == paid
    placed = shop.events_of(order["id"])[:1]  # what came before the payment: OrderPlaced
    event = expect_one_new_event(shop, order["id"], placed, "OrderPaid")
    assert event["data"] == {"payment_id": charge.payment_id, "amount": order["total"]}, event


def expect_cancelled(shop: Shop, provider: FakeProvider, order: Order, reply: Reply) -> None:
    """PS3: 200 with the order CANCELLED for a failed payment (no refund due), its units back
    in stock (checked by the caller), and its OrderCancelled event."""
    assert only_charge(provider, order).outcome == DECLINED
    cancelled = body_of(reply, 200)
    lifecycle = ("status", "cancel_reason", "refund_due", "payment_id")
    assert [cancelled[name] for name in lifecycle] == ["CANCELLED", "payment-failed", False, None]
    assert without(cancelled, *lifecycle) == without(order, *lifecycle)
    assert shop.order(order["id"]) == cancelled
    events = shop.events_of(order["id"])
    assert [event["type"] for event in events] == ["OrderPlaced", "OrderCancelled"], events
    expect_event_shape(events[-1])
    assert events[-1]["data"] == {"reason": "payment-failed", "refund_due": False}, events[-1]


def expect_unavailable(reply: Reply) -> None:
    expect_problem(reply, 503, "service-unavailable")


# --- the cases --------------------------------------------------------------------------------


def test_an_approved_payment_pays_the_order(shop: Shop, provider: FakeProvider) -> None:
    """PS1, PS2: the shop asks the provider to charge the order's total, under a payment id of
    its own; the approval pays the order (PAID, showing that payment_id), records one
    OrderPaid with that payment id and amount, and its units stay reserved."""
    sku = shop.add_product(price="12.50", stock=10)
    order = shop.placed_order([(sku, 3)])

    reply = pay(shop, order)

    expect_paid(shop, provider, order, reply)
    assert shop.stock_of(sku) == 7
    assert [line.split(" ")[0] for line in provider.requests] == ["PUT"], provider.requests


def test_a_declined_payment_cancels_the_order_and_returns_its_stock(
    shop: Shop, provider: FakeProvider
) -> None:
    """PS3: a decline is compensated: the order is cancelled with reason payment-failed (no
    refund due, no payment_id), every reserved unit returns to stock (O8), one
    OrderCancelled is recorded; the client gets 200 with the cancelled order."""
    pen, ink = shop.add_product(stock=10), shop.add_product(stock=4)
    order = shop.placed_order([(pen, 3), (ink, 4)])
    provider.decline()

    reply = pay(shop, order)

    expect_cancelled(shop, provider, order, reply)
    assert (shop.stock_of(pen), shop.stock_of(ink)) == (10, 4)


def test_a_provider_that_is_down_changes_nothing_until_it_is_back(
    shop: Shop, provider: FakeProvider
) -> None:
    """PS4: the provider refuses connections: 503 service-unavailable with Retry-After, and
    nothing changes (the order, its stock, the events); once it is back, the same request
    pays the order."""
    sku = shop.add_product(stock=10)
    order = shop.placed_order([(sku, 2)])
    provider.go_down()

    with unchanged(shop, orders=[order]):
        expect_unavailable(pay(shop, order))

    provider.come_back()
    expect_paid(shop, provider, order, pay(shop, order))


@pytest.mark.parametrize("outcome", [APPROVED, DECLINED])
def test_a_lost_answer_is_settled_by_asking_the_provider_again(
    shop: Shop, provider: FakeProvider, outcome: str
) -> None:
    """PS4: the provider takes the payment but its answer never arrives (a timeout, a dropped
    connection): the shop asks it again about that payment, by its id, and applies what it
    hears (paid, or cancelled with the stock back), with the payment charged once."""
    sku = shop.add_product(stock=10)
    order = shop.placed_order([(sku, 2)])
    provider.outcome = outcome
    provider.lose_answers(1, taken=True)

    reply = pay(shop, order)

    if outcome == APPROVED:
        expect_paid(shop, provider, order, reply)
        assert shop.stock_of(sku) == 8
    else:
        expect_cancelled(shop, provider, order, reply)
        assert shop.stock_of(sku) == 10


def test_a_payment_the_provider_never_got_is_neither_paid_nor_cancelled(
    shop: Shop, provider: FakeProvider
) -> None:
    """PS4: the first request never reaches the provider and its answer is lost. The shop
    does not guess: either it sends the same payment again and it is paid (charged once), or
    it answers 503 and nothing changes. A decline is never assumed."""
    sku = shop.add_product(stock=10)
    order = shop.placed_order([(sku, 2)])
    provider.lose_answers(1, taken=False)
    before = shop.snapshot([sku], [order["id"]])

    reply = pay(shop, order)

    if reply.status == 503:
        assert provider.charges_of(order["id"]) == []
        assert shop.snapshot([sku], [order["id"]]) == before, "a 503 changed something"
    else:
        expect_paid(shop, provider, order, reply)


def test_while_the_provider_cannot_answer_nothing_changes_and_it_charges_once(
    shop: Shop, provider: FakeProvider
) -> None:
    """PS4, PS5: the provider takes the payment, then every answer is lost, the shop's
    question about it included: 503 and nothing changes, however often the client tries
    (never paid or cancelled on a guess). Once answers come back, trying again pays the
    order, and the provider has charged it once: every try named the same payment."""
    sku = shop.add_product(stock=10)
    order = shop.placed_order([(sku, 2)])
    provider.lose_answers(None, taken=True)

    with unchanged(shop, orders=[order]):
        expect_unavailable(pay(shop, order))
        expect_unavailable(pay(shop, order))

    provider.answer_again()
    expect_paid(shop, provider, order, pay(shop, order))


def test_an_answer_that_never_comes_from_a_provider_that_took_nothing_changes_nothing(
    shop: Shop, provider: FakeProvider
) -> None:
    """PS4: no request reaches the provider and no answer comes back: 503, nothing changes
    in the shop and nothing is charged."""
    order = shop.placed_order([(shop.add_product(stock=10), 2)])
    provider.lose_answers(None, taken=False)

    with unchanged(shop, orders=[order]):
        expect_unavailable(pay(shop, order))

    assert provider.charges_of(order["id"]) == []


@pytest.mark.parametrize("outcome", [APPROVED, DECLINED])
def test_paying_again_answers_the_order_as_it_is_and_asks_the_provider_nothing(
    shop: Shop, provider: FakeProvider, outcome: str
) -> None:
    """PS5: once the order's payment is recorded (paid, or cancelled by its decline), asking
    again answers 200 with the order as it is: no new event, no stock moved, no request to
    the provider."""
    order = shop.placed_order([(shop.add_product(stock=10), 2)])
    provider.outcome = outcome
    first = body_of(pay(shop, order), 200)
    asked = list(provider.requests)

    with unchanged(shop, orders=[order]):
        again = body_of(pay(shop, order), 200)

    assert again == first
    assert provider.requests == asked, "the provider was asked again"


@pytest.mark.parametrize("outcome", [APPROVED, DECLINED])
def test_the_providers_own_event_for_that_payment_is_a_replay(
    shop: Shop, provider: FakeProvider, outcome: str
) -> None:
    """PS5, O10: the provider later reports the same payment on /payment-events (its
    webhook): the order already acted on that payment id, so the event is answered 200 with
    the order as it is and changes nothing."""
    order = shop.placed_order([(shop.add_product(stock=10), 2)])
    provider.outcome = outcome
    expect_status(pay(shop, order), 200)
    (charge,) = provider.charges_of(order["id"])

    with unchanged(shop, orders=[order]):
        echo = shop.payment_event(order["id"], outcome, order["total"], charge.payment_id)
        assert body_of(echo, 200) == shop.order(order["id"])


@pytest.mark.parametrize("state", ["PAID", "SHIPPED", "CANCELLED"])
def test_an_order_not_awaiting_payment_is_refused_without_asking_the_provider(
    shop: Shop, provider: FakeProvider, state: str
) -> None:
    """PS6, O7: an order paid by another payment, shipped, or cancelled by its customer is
    refused 409 invalid-state; nothing changes and the provider is not asked."""
    order = shop.order_in_state(state)

    with unchanged(shop, orders=[order]):
        expect_problem(pay(shop, order), 409, "invalid-state")

    assert provider.requests == []


def test_the_request_is_checked_before_the_provider_is_asked(
    shop: Shop, provider: FakeProvider
) -> None:
    """PS6: the body is `{}` or empty (an unknown field: 422 validation-error under its
    name, checked first, as the spec's precedence has it); an unknown order: 404 not-found.
    None of them reaches the provider."""
    order = shop.placed_order([(shop.add_product(stock=10), 2)])
    unknown = {"id": shop.unknown_order_id()}

    with unchanged(shop, orders=[order]):
        expect_invalid(pay(shop, order, {"amount": order["total"]}), "amount")
        expect_invalid(pay(shop, unknown, {"amount": "1.00"}), "amount")
        expect_problem(pay(shop, unknown), 404, "not-found")
        empty = shop.send_raw("POST", f"/orders/{unknown['id']}/payment", None)
        expect_problem(empty, 404, "not-found")

    assert provider.requests == []


@pytest.mark.concurrency
def test_requests_to_pay_one_order_at_once_charge_it_once(
    shop: Shop, provider: FakeProvider
) -> None:
    """PS5, PS7: several requests to pay one order at once: the provider takes one payment,
    the order is paid once (one OrderPaid), and every request is answered 200 with the paid
    order, or 409 concurrent-modification if it gave up waiting."""
    order = shop.placed_order([(shop.add_product(stock=10), 2)])

    replies = run_together([lambda: pay(shop, order)] * RIVALS)

    answered = [reply for reply in replies if reply.status == 200]
    assert answered, [str(reply) for reply in replies]
    for reply in replies:
        if reply.status != 200:
            expect_problem(reply, 409, "concurrent-modification")
    expect_paid(shop, provider, order, answered[0])
    assert all(reply.json() == answered[0].json() for reply in answered)
