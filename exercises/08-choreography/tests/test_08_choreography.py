"""Exercise 08, choreography instead of orchestration: a cancellation's stock comes back from
its ``OrderCancelled`` event, handled after the cancellation committed, not within it.

What a client sees: the cancellation answers 200 at once; the stock may be back a moment
later. So no case here reads the stock right after the reply and expects it back: each waits
for it by reading ``GET /products/<sku>`` until it is back or a deadline passes
(:func:`stock_back`). The in-process cases hold the relay (``KATA_RELAY=manual``, see "The
interface" in the README) and so see the window itself: the order cancelled, its event in
the feed, its stock still reserved, until ``app.extensions["kata.relay"]()`` runs.

Run with ``pytest --exercise 08 --variant NAME`` (``kata exercise check 08 --variant NAME``
adds the shared suite); ``--serve microservices`` runs the first case against ``kata serve``
(with ``KATA_AMQP_URL`` set there, over RabbitMQ). The broker's own cases (microservices
only) are in ``test_08_microservices_broker.py``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from kata import variants
from tests.acceptance.conftest import Target
from tests.acceptance.contract import check_reply
from tests.acceptance.driver import CheckingDriver, InProcessDriver
from tests.acceptance.dsl import Shop
from tests.acceptance.expectations import body_of, expect_problem
from tests.backends import fresh_database

RELAY_MODE = "KATA_RELAY"  # "manual": nothing relayed until the test says so
RELAY = "kata.relay"  # app.extensions[RELAY](): relay what is waiting; how many events
AMQP_URL = "KATA_AMQP_URL"  # the microservices variant's broker: in memory when unset
# The longest a case waits for the stock (over RabbitMQ it takes milliseconds).
DEADLINE_SECONDS = 10.0
FIRST_PAUSE_SECONDS = 0.005
LONGEST_PAUSE_SECONDS = 0.2
STOCK = 10
CANCELLATIONS = ["cancel", "fail payment"]  # both return the stock (O8, O10)
RELAYS_AT_ONCE = 4


def stock_back(shop: Shop, sku: str, reserved: int) -> int:
    """The product's stock once it is no longer ``reserved`` (the units came back), read
    through ``GET /products/<sku>`` with pauses growing to a fifth of a second; fails after
    ``DEADLINE_SECONDS``. Waiting on what a client can see, not for a fixed time."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    pause = FIRST_PAUSE_SECONDS
    while (stock := shop.stock_of(sku)) == reserved:
        if time.monotonic() > deadline:
            raise AssertionError(f"{sku}: still {stock} after {DEADLINE_SECONDS} s")
        time.sleep(pause)  # between two reads of the API, not in place of one
        pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
    return stock


@pytest.mark.parametrize("action", CANCELLATIONS)
def test_the_stock_of_a_cancelled_order_comes_back_after_the_reply(shop: Shop, action: str) -> None:
    """O8 as a client sees it now: 200 and the order CANCELLED at once, its event recorded;
    every unit back to stock eventually, and exactly once."""
    sku = shop.add_product(stock=STOCK)
    order = shop.placed_order([(sku, 3)])
    assert shop.stock_of(sku) == STOCK - 3  # placing is still a saga: held before the reply

    cancelled = body_of(shop.act(action, order), 200)

    assert cancelled["status"] == "CANCELLED"
    assert shop.event_types_of(order["id"]) == ["OrderPlaced", "OrderCancelled"]
    assert stock_back(shop, sku, reserved=STOCK - 3) == STOCK
    expect_problem(shop.act(action, order), 409, "invalid-state")
    assert shop.stock_of(sku) == STOCK


# --- in process, the relay held: the window a client may see ------------------------------


@dataclass(frozen=True)
class Service:
    """A variant's app on a fresh database, its relay held (``KATA_RELAY=manual``)."""

    app: Flask
    shop: Shop

    def relay(self) -> int:
        """Hand what is waiting in the outbox to the stock release; how many events."""
        relay: Callable[[], int] | None = self.app.extensions.get(RELAY)
        assert relay is not None, f'the app offers no app.extensions["{RELAY}"]: see the README'
        handed = relay()
        assert type(handed) is int, f"{RELAY} returned {handed!r}, not a number of events"
        return handed


@contextmanager
def held_relay(target: Target, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    """``target``'s app, created now with ``KATA_RELAY=manual`` on a fresh database in
    ``folder`` (the microservices variant with its broker in memory)."""
    if target.backend == "live":
        pytest.skip("a live server was started without our KATA_RELAY: its relay is not ours")
    assert target.variant is not None
    monkeypatch.setenv(RELAY_MODE, "manual")
    monkeypatch.delenv(AMQP_URL, raising=False)
    folder.mkdir()
    with fresh_database(target.backend, folder) as url:
        app = variants.create_app(target.variant, url)
        try:
            yield Service(app, Shop(CheckingDriver(InProcessDriver(app), check_reply)))
        finally:
            variants.close_app(app)


@pytest.mark.parametrize("action", CANCELLATIONS)
def test_a_cancelled_order_keeps_its_stock_until_its_event_is_relayed(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    """The window, held open: the cancellation committed and answered, ``OrderCancelled`` in
    the feed, the stock still reserved; the relay hands the event over and the stock comes
    back, once. Placing and amending still move stock before their reply."""
    with held_relay(target, tmp_path / "database", monkeypatch) as service:
        shop = service.shop
        sku = shop.add_product(stock=STOCK)
        order = shop.placed_order([(sku, 2)])
        amended = body_of(shop.set_line(order["id"], sku, 3), 200)
        assert shop.stock_of(sku) == STOCK - 3

        cancelled = body_of(shop.act(action, amended), 200)

        assert cancelled["status"] == "CANCELLED"
        assert shop.event_types_of(order["id"])[-1] == "OrderCancelled"
        assert shop.stock_of(sku) == STOCK - 3, "the stock came back with the cancellation"
        assert service.relay() > 0
        assert stock_back(shop, sku, reserved=STOCK - 3) == STOCK
        assert service.relay() == 0, "the relay handed over an event twice"
        assert shop.stock_of(sku) == STOCK


def test_relays_racing_each_other_release_each_order_once(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes may relay at once: every cancelled order's units come back once, and
    the orders that stay open keep theirs."""
    with held_relay(target, tmp_path / "database", monkeypatch) as service:
        shop = service.shop
        pen, ink = shop.add_product(stock=STOCK), shop.add_product(stock=STOCK)
        cancelled = [shop.placed_order([(pen, 1), (ink, 2)]) for _ in range(3)]
        kept = shop.placed_order([(pen, 2)])
        for order in cancelled:
            body_of(shop.cancel(order["id"]), 200)
        start = threading.Barrier(RELAYS_AT_ONCE)

        def relay() -> int:
            start.wait(timeout=DEADLINE_SECONDS)
            return service.relay()

        with ThreadPoolExecutor(RELAYS_AT_ONCE) as threads:
            handed = list(threads.map(lambda _: relay(), range(RELAYS_AT_ONCE)))

        assert sum(handed) > 0
        assert stock_back(shop, ink, reserved=STOCK - 6) == STOCK
        assert stock_back(shop, pen, reserved=STOCK - 5) == STOCK - 2
        assert shop.order(kept["id"])["status"] == "PENDING_PAYMENT"


def test_a_cancellation_not_relayed_before_the_app_stopped_is_relayed_after_a_restart(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event waits in the outbox, in the database: nothing committed is lost when the
    process stops before its relay ran (a restarted app's relay goes on from where the
    stopped one was)."""
    if target.backend != "sqlite":
        pytest.skip("two apps on one database, one after the other: a SQLite file will do")
    folder = tmp_path / "database"
    with held_relay(target, folder, monkeypatch) as before:
        sku = before.shop.add_product(stock=STOCK)
        order = before.shop.placed_order([(sku, 4)])
        body_of(before.shop.cancel(order["id"]), 200)
    app = variants.create_app(target.variant or "", f"sqlite:///{folder / 'kata.sqlite3'}")
    try:
        after = Service(app, Shop(CheckingDriver(InProcessDriver(app), check_reply)))
        assert after.shop.stock_of(sku) == STOCK - 4

        assert after.relay() > 0

        assert stock_back(after.shop, sku, reserved=STOCK - 4) == STOCK
    finally:
        variants.close_app(app)
