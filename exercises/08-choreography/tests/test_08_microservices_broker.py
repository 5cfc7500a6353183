"""Exercise 08, the microservices style: the messages between the services, on their broker.

Delivery is at least once, so the inventory service must take a message delivered twice
without releasing twice (it deduplicates on the message id), and a message it can never take
(a poison message) goes to the dead-letter queue without holding up the ones behind it.

In process, through the broker in memory the services share (``app.extensions["kata.broker"]``,
see "The interface" in the README). Over RabbitMQ, against ``kata serve`` with
``KATA_AMQP_URL``, where ``KATA_TEST_AMQP_URL`` names a broker (skipped elsewhere: the
reference solutions are verified without one). Both read the stock over HTTP until it is
back, never after a fixed time.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kata import variants
from tests.acceptance.conftest import Target
from tests.acceptance.driver import LiveHttpDriver
from tests.acceptance.dsl import Shop
from tests.acceptance.expectations import body_of
from tests.serving import KataServer
from tests.workshop.code import code_under_test

# The shared helpers of this exercise's other module (its folder is not a package).
from test_08_choreography import STOCK, Service, held_relay, stock_back  # isort: skip

MICROSERVICES = "microservices"
BROKER = "kata.broker"
ORDER_CANCELLED = "OrderCancelled"
QUEUE = "inventory.order-cancelled"  # inventory's queue, in memory; on RabbitMQ namespaced
BROKER_ENV = "KATA_TEST_AMQP_URL"
DEADLINE_SECONDS = 10.0
POISON: dict[str, tuple[bytes, str]] = {
    "not JSON": (b"{not json", "poison-1"),
    "no order id": (json.dumps({"type": ORDER_CANCELLED}).encode(), "poison-2"),
    "not an OrderCancelled": (json.dumps({"type": "OrderPaid", "order_id": "x"}).encode(), "p-3"),
    "no message id": (json.dumps({"type": ORDER_CANCELLED, "order_id": "x"}).encode(), ""),
}


@dataclass(frozen=True)
class Sent:
    """A message as a publisher sends it (the broker reads these four attributes)."""

    routing_key: str
    body: bytes
    message_id: str
    content_type: str = "application/json"


def _microservices(name: str | None) -> str:
    """``name`` if it is held to the microservices style; else skips (a live server, known
    only by its URL, is checked by the first module's case)."""
    if name is None or variants.style_of(name) != MICROSERVICES:
        pytest.skip("no broker between services: one process, one database in this style")
    return name


def broker_of(service: Service) -> Any:
    """The broker in memory both services share in process (see the README)."""
    broker = service.app.extensions.get(BROKER)
    assert broker is not None, f'the app offers no app.extensions["{BROKER}"]: see the README'
    return broker


def cancelled_and_relayed(service: Service) -> tuple[str, dict[str, Any]]:
    """A product whose order was cancelled and its event relayed (stock back); the
    ``OrderCancelled`` event as the feed lists it."""
    shop = service.shop
    sku = shop.add_product(stock=STOCK)
    order = shop.placed_order([(sku, 3)])
    body_of(shop.cancel(order["id"]), 200)
    service.relay()
    assert stock_back(shop, sku, reserved=STOCK - 3) == STOCK
    [event] = [e for e in shop.events_of(order["id"]) if e["type"] == ORDER_CANCELLED]
    return sku, event


def as_message(event: dict[str, Any], message_id: str | None = None) -> Sent:
    """An event as the relay publishes it: its JSON, its type, its seq as the message id."""
    body = json.dumps(event).encode()
    return Sent(event["type"], body, str(event["seq"]) if message_id is None else message_id)


# --- in process: the broker in memory ------------------------------------------------------


def test_an_order_cancelled_message_delivered_again_releases_nothing_more(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _microservices(target.variant)
    with held_relay(target, tmp_path / "database", monkeypatch) as service:
        sku, event = cancelled_and_relayed(service)
        broker = broker_of(service)

        broker.publish(as_message(event))
        broker.publish(as_message(event))

        assert service.shop.stock_of(sku) == STOCK
        assert broker.dead_letters(QUEUE) == []


@pytest.mark.parametrize("poison", list(POISON))
def test_a_poison_message_is_dead_lettered_and_holds_up_nothing(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, poison: str
) -> None:
    _microservices(target.variant)
    with held_relay(target, tmp_path / "database", monkeypatch) as service:
        shop, broker = service.shop, broker_of(service)
        sku = shop.add_product(stock=STOCK)
        order = shop.placed_order([(sku, 3)])
        body, message_id = POISON[poison]

        broker.publish(Sent(ORDER_CANCELLED, body, message_id))
        body_of(shop.cancel(order["id"]), 200)
        service.relay()  # the event goes out behind the poison message

        assert stock_back(shop, sku, reserved=STOCK - 3) == STOCK
        assert [message.body for message in broker.dead_letters(QUEUE)] == [body]


# --- over RabbitMQ: kata serve, two processes ------------------------------------------------


class Rabbit:
    """The test's own connection to the broker the served services use, under a namespace
    of this test run's own (other runs, and other variants, use the same broker)."""

    def __init__(self, url: str) -> None:
        import pika  # noqa: PLC0415 - only where a broker is configured

        self.namespace = f"kata.test-{secrets.token_hex(6)}"
        self.exchange = f"{self.namespace}.events"
        self.queue = f"{self.namespace}.{QUEUE}"
        self.rejected = f"{self.queue}.rejected"
        self._pika = pika
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()

    def publish(self, message: Sent) -> None:
        self.channel.basic_publish(
            exchange=self.exchange,
            routing_key=message.routing_key,
            body=message.body,
            properties=self._pika.BasicProperties(
                content_type=message.content_type,
                delivery_mode=2,
                message_id=message.message_id or None,
            ),
        )

    def take_rejected(self, count: int) -> list[bytes]:
        """The first ``count`` messages of the dead-letter queue, within the deadline."""
        taken: list[bytes] = []
        for method, _, body in self.channel.consume(
            self.rejected, inactivity_timeout=DEADLINE_SECONDS
        ):
            if method is None:
                raise AssertionError(f"{len(taken)} of {count} messages dead-lettered: {taken}")
            self.channel.basic_ack(method.delivery_tag)
            taken.append(body)
            if len(taken) == count:
                break
        self.channel.cancel()
        return taken

    def count(self, queue: str) -> int:
        declared = self.channel.queue_declare(queue, passive=True)
        count: int = declared.method.message_count
        return count

    def close(self) -> None:
        for queue in (self.queue, self.rejected):
            self.channel.queue_delete(queue)
        self.channel.exchange_delete(self.exchange)
        self.connection.close()


@dataclass(frozen=True)
class Served:
    shop: Shop
    rabbit: Rabbit


@pytest.fixture
def served(target: Target, tmp_path: Path) -> Iterator[Served]:
    """``kata serve`` of the target, its services in two processes talking over RabbitMQ."""
    name = _microservices(code_under_test(target))  # one server will do, not one per database
    url = os.environ.get(BROKER_ENV)
    if not url:
        pytest.skip(f"{BROKER_ENV} names no RabbitMQ (.ci/run sets it)")
    rabbit = Rabbit(url)
    env = {"KATA_AMQP_URL": url, "KATA_AMQP_NAMESPACE": rabbit.namespace}
    try:
        with KataServer(name, f"sqlite:///{tmp_path / 'kata.sqlite3'}", env=env) as server:
            yield Served(Shop(LiveHttpDriver(server.url)), rabbit)
    finally:
        rabbit.close()


def test_over_rabbitmq_the_reply_comes_first_and_the_stock_follows(served: Served) -> None:
    shop = served.shop
    sku = shop.add_product(stock=STOCK)
    order = shop.placed_order([(sku, 3)])

    body_of(shop.cancel(order["id"]), 200)
    seen_at_once = shop.stock_of(sku)  # reserved or back: the race is the client's to see

    assert seen_at_once in (STOCK - 3, STOCK)
    assert stock_back(shop, sku, reserved=STOCK - 3) == STOCK
    assert served.rabbit.count(served.rabbit.queue) == 0


def test_over_rabbitmq_a_duplicate_and_poison_messages_change_nothing_and_block_nothing(
    served: Served,
) -> None:
    shop, rabbit = served.shop, served.rabbit
    sku = shop.add_product(stock=STOCK)
    first = shop.placed_order([(sku, 3)])
    body_of(shop.cancel(first["id"]), 200)
    assert stock_back(shop, sku, reserved=STOCK - 3) == STOCK
    [event] = [e for e in shop.events_of(first["id"]) if e["type"] == ORDER_CANCELLED]
    later = shop.placed_order([(sku, 2)])

    rabbit.publish(as_message(event))  # a duplicate: must not release 3 more units
    for body, message_id in POISON.values():
        rabbit.publish(Sent(ORDER_CANCELLED, body, message_id))
    body_of(shop.cancel(later["id"]), 200)  # behind them all, in the same queue

    assert stock_back(shop, sku, reserved=STOCK - 2) == STOCK
    rejected = rabbit.take_rejected(len(POISON))
    assert sorted(rejected) == sorted(body for body, _ in POISON.values())
    assert rabbit.count(rabbit.queue) == 0
