"""The AMQP adapters against a real RabbitMQ: ``kata serve hexagonal`` with ``KATA_AMQP_URL``
publishes committed events to ``kata.events`` and takes payment results from its queue
(O10: acknowledged after the commit, so a redelivery changes nothing).

They run where ``KATA_TEST_AMQP_URL`` names a broker (``.ci/run`` sets it) and are skipped
elsewhere, but for those of the relay worker's thread, which need none. Each test has its own
payment queue (``KATA_AMQP_PAYMENT_QUEUE``) and its own queue bound to ``kata.events``, so
parallel runs never take each other's messages; they wait for broker messages (a consumer with
a deadline) or for what a worker noted doing, never for a fixed time.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pika
import pytest
from flask import Flask

from kata import variants
from kata.hexagonal import bootstrap
from kata.hexagonal.adapters.inbound.amqp.consumer import (
    PaymentResultConsumer,
    declare_payment_queue,
    rejected_queue,
)
from kata.hexagonal.adapters.inbound.http.wiring import USE_CASES
from kata.hexagonal.adapters.outbound.amqp.messages import EVENTS_EXCHANGE, event_json
from kata.hexagonal.adapters.outbound.amqp.publisher import (
    AmqpEventPublisher,
    declare_events_exchange,
)
from kata.hexagonal.adapters.outbound.amqp.relay import Relay, RelayWorker
from kata.hexagonal.adapters.outbound.memory.store import MemoryStore
from kata.hexagonal.adapters.outbound.memory.unit_of_work import in_memory_units
from kata.hexagonal.application.ports.errors import ConcurrentModification
from kata.hexagonal.application.ports.inbound import (
    OrderView,
    Payments,
    ReadEvents,
    RecordPaymentResult,
    RegisterProduct,
)
from kata.hexagonal.application.ports.outbound import EventPublisher, EventRecord
from kata.hexagonal.application.services.events import RELAY_BATCH, OutboxRelay
from tests.acceptance.driver import Driver, InProcessDriver, LiveHttpDriver
from tests.hexagonal.builders import place_command
from tests.serving import KataServer

BROKER_ENV = "KATA_TEST_AMQP_URL"
BROKER_URL = os.environ.get(BROKER_ENV, "")
# The longest a test waits for a message it expects (the relay polls every half second).
DEADLINE_SECONDS = 20.0
# Spec section 7: the server stops within 5 seconds on SIGTERM, workers included.
STOP_SECONDS = 5.0
JSON = {"Content-Type": "application/json"}


# --- the test's side of the broker --------------------------------------------------------


@dataclass(frozen=True)
class Message:
    routing_key: str
    properties: Any
    body: Any  # parsed JSON, or the raw bytes where it is not JSON


class Broker:
    """The test's own connection: a payment queue of its own, and a tap on ``kata.events``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        token = secrets.token_hex(6)
        self.payment_queue = f"kata.payment-events.test-{token}"
        # Declared as the consumer declares it: a message published before the server's
        # consumer connected waits in the queue instead of being dropped.
        declare_payment_queue(self.channel, self.payment_queue)
        declare_events_exchange(self.channel)
        self.events_queue = f"kata.events.test-{token}"
        # Exclusive: gone with this connection; not auto-deleted, so it outlives a consumer
        # (a test may take from it more than once).
        self.channel.queue_declare(self.events_queue, exclusive=True)
        self.channel.queue_bind(self.events_queue, EVENTS_EXCHANGE, routing_key="#")

    def publish_payment(self, body: dict[str, Any] | bytes) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.channel.basic_publish(
            exchange="",
            routing_key=self.payment_queue,
            body=raw,
            properties=pika.BasicProperties(content_type="application/json", delivery_mode=2),
        )

    def take(
        self, queue: str, until: Callable[[Message], bool], within: float = DEADLINE_SECONDS
    ) -> list[Message]:
        """Messages from ``queue`` up to the first that ``until`` accepts, within the deadline."""
        taken: list[Message] = []
        deadline = time.monotonic() + within
        try:
            for method, properties, body in self.channel.consume(queue, inactivity_timeout=within):
                if method is None or time.monotonic() > deadline:
                    raise AssertionError(f"no awaited message on {queue}; took {taken}")
                self.channel.basic_ack(method.delivery_tag)
                taken.append(Message(method.routing_key, properties, _parsed(body)))
                if until(taken[-1]):
                    return taken
        finally:
            self.channel.cancel()  # anything fetched but not taken goes back to the queue
        raise AssertionError("the consumer ended")  # pragma: no cover - consume never ends

    def events_of(
        self,
        order_ids: set[str],
        until: Callable[[Message], bool],
        within: float = DEADLINE_SECONDS,
    ) -> list[Message]:
        """Events of these orders from ``kata.events`` (other runs publish there too)."""
        return _of(
            order_ids,
            self.take(
                self.events_queue, lambda m: m.body["order_id"] in order_ids and until(m), within
            ),
        )

    def events_now(self, order_ids: set[str]) -> list[Message]:
        """Events of these orders waiting on ``kata.events`` now, taken off it (what a publisher
        with confirms published before it returned is there)."""
        taken: list[Message] = []
        while True:
            method, properties, body = self.channel.basic_get(self.events_queue, auto_ack=True)
            if method is None:
                return _of(order_ids, taken)
            taken.append(Message(method.routing_key, properties, _parsed(body)))

    def count(self, queue: str) -> int:
        """Messages ready in ``queue``."""
        declared = self.channel.queue_declare(queue, passive=True)
        count: int = declared.method.message_count
        return count

    def close(self) -> None:
        self.channel.queue_delete(self.payment_queue)
        self.channel.queue_delete(rejected_queue(self.payment_queue))
        self.connection.close()


def _of(order_ids: set[str], messages: list[Message]) -> list[Message]:
    return [message for message in messages if message.body["order_id"] in order_ids]


def _parsed(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body


def _is_event(kind: str, order_id: str) -> Callable[[Message], bool]:
    return lambda message: message.body["type"] == kind and message.body["order_id"] == order_id


@pytest.fixture
def broker() -> Iterator[Broker]:
    if not BROKER_URL:
        pytest.skip(f"{BROKER_ENV} names no RabbitMQ (.ci/run sets it)")
    opened = Broker(BROKER_URL)
    yield opened
    opened.close()


@pytest.fixture
def server(broker: Broker, tmp_path: Path) -> Iterator[KataServer]:
    """``kata serve hexagonal`` on a fresh SQLite file, with the broker configured."""
    env = {bootstrap.AMQP_URL: broker.url, bootstrap.AMQP_PAYMENT_QUEUE: broker.payment_queue}
    with KataServer("hexagonal", f"sqlite:///{tmp_path / 'kata.sqlite3'}", env=env) as served:
        yield served


@pytest.fixture
def http(server: KataServer) -> LiveHttpDriver:
    """The served app's HTTP door, as a shop's client uses it."""
    return LiveHttpDriver(server.url)


# --- a shop over HTTP -------------------------------------------------------------------------


def _send(driver: Driver, method: str, target: str, body: Any = None) -> Any:
    raw = None if body is None else json.dumps(body).encode()
    reply = driver.send(method, target, raw, JSON if raw is not None else None)
    assert reply.status in (200, 201), reply
    return reply.json()


def _place_order(driver: Driver, quantity: int = 2) -> dict[str, Any]:
    sku = f"AMQP-{secrets.token_hex(4).upper()}"
    _send(driver, "POST", "/products", {"sku": sku, "name": "Tea", "price": "10.50", "stock": 9})
    order: dict[str, Any] = _send(
        driver,
        "POST",
        "/orders",
        {"customer_id": f"c-{secrets.token_hex(4)}", "lines": [{"sku": sku, "quantity": quantity}]},
    )
    return order


def _payment(order: dict[str, Any], outcome: str = "succeeded", **changes: Any) -> dict[str, Any]:
    return {
        "payment_id": f"pay-{order['id'][:8]}",
        "order_id": order["id"],
        "outcome": outcome,
        "amount": order["total"],
        **changes,
    }


def _events_over_http(driver: Driver, order_id: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = _send(driver, "GET", "/events?limit=500")["events"]
    return [event for event in listed if event["order_id"] == order_id]


# --- kata serve with a broker ----------------------------------------------------------------


@pytest.mark.rule("events")
def test_an_order_placed_over_http_appears_on_kata_events(
    broker: Broker, http: LiveHttpDriver
) -> None:
    order = _place_order(http)

    [placed] = broker.events_of({order["id"]}, _is_event("OrderPlaced", order["id"]))

    [stored] = _events_over_http(http, order["id"])
    assert placed.body == stored  # the event JSON of spec section 4, as GET /events shows it
    assert placed.routing_key == "OrderPlaced"
    assert placed.properties.content_type == "application/json"
    assert placed.properties.message_id == str(stored["seq"])
    assert placed.properties.delivery_mode == 2  # persistent


@pytest.mark.rule("O10")
def test_a_payment_message_on_the_payment_queue_pays_the_order(
    broker: Broker, http: LiveHttpDriver
) -> None:
    order = _place_order(http)

    broker.publish_payment(_payment(order))

    [*_, paid] = broker.events_of({order["id"]}, _is_event("OrderPaid", order["id"]))
    assert paid.body["data"] == {"payment_id": _payment(order)["payment_id"], "amount": "21.00"}
    now = _send(http, "GET", f"/orders/{order['id']}")
    assert now["status"] == "PAID"
    assert now["payment_id"] == _payment(order)["payment_id"]
    assert broker.count(rejected_queue(broker.payment_queue)) == 0


@pytest.mark.rule("O10")
def test_the_same_payment_message_delivered_twice_pays_the_order_once(
    broker: Broker, http: LiveHttpDriver
) -> None:
    order, marker = _place_order(http), _place_order(http)

    broker.publish_payment(_payment(order))
    broker.publish_payment(_payment(order))
    # One consumer takes the queue in order: once the marker's cancellation is out, both
    # copies before it were handled (and the relay publishes in commit order).
    broker.publish_payment(_payment(marker, "failed"))

    seen = broker.events_of({order["id"], marker["id"]}, _is_event("OrderCancelled", marker["id"]))
    published = [m.body["type"] for m in seen if m.body["order_id"] == order["id"]]
    assert published.count("OrderPaid") == 1
    stored = [event["type"] for event in _events_over_http(http, order["id"])]
    assert stored == ["OrderPlaced", "OrderPaid"]
    assert _send(http, "GET", f"/orders/{order['id']}")["status"] == "PAID"
    # The copy was acknowledged as already processed, not rejected.
    assert broker.count(rejected_queue(broker.payment_queue)) == 0
    assert broker.count(broker.payment_queue) == 0


@pytest.mark.rule("O10")
@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"note": "unknown field"}, id="invalid-unknown-field"),
        pytest.param({"amount": 21}, id="invalid-amount-as-number"),
        pytest.param({"amount": "20.99"}, id="refused-payment-mismatch"),
        pytest.param({"order_id": "no-such-order"}, id="refused-unknown-order"),
    ],
)
def test_a_message_that_cannot_pay_is_dead_lettered_not_requeued_and_changes_nothing(
    broker: Broker, http: LiveHttpDriver, bad: dict[str, Any]
) -> None:
    order = _place_order(http)
    bad_message = _payment(order, **bad)

    broker.publish_payment(bad_message)
    broker.publish_payment(_payment(order))  # behind it: handled once the bad one was

    [*_, paid] = broker.events_of({order["id"]}, _is_event("OrderPaid", order["id"]))
    assert paid.body["data"]["payment_id"] == _payment(order)["payment_id"]
    [rejected] = broker.take(rejected_queue(broker.payment_queue), lambda m: True)
    assert rejected.body == bad_message
    stored = [event["type"] for event in _events_over_http(http, order["id"])]
    assert stored == ["OrderPlaced", "OrderPaid"]
    assert broker.count(broker.payment_queue) == 0


def test_kata_serve_with_a_broker_stops_promptly(
    broker: Broker, server: KataServer, http: LiveHttpDriver
) -> None:
    order = _place_order(http)
    broker.events_of({order["id"]}, _is_event("OrderPlaced", order["id"]))  # the relay runs

    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < STOP_SECONDS
    assert any("consuming payment results from" in line for line in server.output)
    assert any("relaying events to the broker" in line for line in server.output)


def test_kata_serve_with_an_unreachable_broker_still_serves_and_stops_promptly(
    tmp_path: Path,
) -> None:
    """The HTTP door does not depend on the broker; the workers keep retrying in the back."""
    env = {bootstrap.AMQP_URL: "amqp://guest:guest@127.0.0.1:1/"}
    with KataServer("hexagonal", f"sqlite:///{tmp_path / 'kata.sqlite3'}", env=env) as server:
        _place_order(LiveHttpDriver(server.url))
        started = time.monotonic()
        assert server.stop() == 0
        assert time.monotonic() - started < STOP_SECONDS


# --- the consumer in process: failures between delivery and acknowledgement -----------------


class FailingOnce:
    """The ``Payments`` port failing on its first call, before or after the real commit."""

    def __init__(self, inner: Payments, when: str) -> None:
        self._inner = inner
        self._when = when
        self.calls = 0
        self._called = threading.Condition()

    def record_result(self, command: RecordPaymentResult) -> OrderView:
        with self._called:
            self.calls += 1
            first = self.calls == 1
            self._called.notify_all()
        if first and self._when == "before-commit":
            raise ConcurrentModification("Too many concurrent changes; try again.")
        order = self._inner.record_result(command)
        if first:  # committed, and the process "dies" before the acknowledgement
            raise ConnectionError("lost between commit and ack")
        return order

    def wait_for_calls(self, count: int) -> bool:
        with self._called:
            return self._called.wait_for(lambda: self.calls >= count, DEADLINE_SECONDS)


@pytest.fixture
def app(broker: Broker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app in process, its workers built by the composition root but not started."""
    monkeypatch.setenv(bootstrap.AMQP_URL, broker.url)
    monkeypatch.setenv(bootstrap.AMQP_PAYMENT_QUEUE, broker.payment_queue)
    made = variants.create_app("hexagonal", f"sqlite:///{tmp_path / 'kata.sqlite3'}")
    yield made
    variants.close_app(made)


@pytest.mark.rule("O10")
@pytest.mark.parametrize("when", ["before-commit", "after-commit"])
def test_a_payment_that_failed_before_its_acknowledgement_is_delivered_again_and_pays_once(
    broker: Broker, app: Flask, when: str
) -> None:
    """Nothing is lost (the message was not acknowledged) and the redelivery changes nothing."""
    local = InProcessDriver(app)
    order = _place_order(local)
    payments = FailingOnce(app.extensions[USE_CASES].payments, when)
    consumer = PaymentResultConsumer(broker.url, payments, broker.payment_queue)

    broker.publish_payment(_payment(order))
    consumer.start()
    try:
        assert payments.wait_for_calls(2), "the message was not delivered again"
    finally:
        consumer.stop(timeout=DEADLINE_SECONDS)  # the second delivery is settled first

    assert [event["type"] for event in _events_over_http(local, order["id"])] == [
        "OrderPlaced",
        "OrderPaid",
    ]
    assert payments.calls == 2
    assert broker.count(broker.payment_queue) == 0  # acknowledged: not back in the queue
    assert broker.count(rejected_queue(broker.payment_queue)) == 0


def test_the_relay_worker_publishes_events_committed_before_it_started(
    broker: Broker, app: Flask
) -> None:
    """The outbox keeps what was committed while no relay ran; a started relay sends it."""
    local = InProcessDriver(app)
    order = _place_order(local)
    _send(local, "POST", "/payment-events", _payment(order))
    [relay] = [w for w in app.extensions[bootstrap.WORKERS] if isinstance(w, RelayWorker)]

    relay.start()
    try:
        seen = broker.events_of({order["id"]}, _is_event("OrderPaid", order["id"]))
    finally:
        relay.stop(timeout=DEADLINE_SECONDS)

    assert [m.body for m in seen] == _events_over_http(local, order["id"])
    assert [m.body["seq"] for m in seen] == sorted(m.body["seq"] for m in seen)


# --- the relay worker in process, on an in-memory outbox ------------------------------------

# The relay polls every 50 ms here: an event committed while it waits is out within a poll.
POLL_SECONDS = 0.05
# The longest a test waits for an event the relay takes at its next poll (a hundred polls).
NEXT_POLL_DEADLINE_SECONDS = 5.0
# The longest a process may take to end once its main thread is done (a relay held up by a
# broker that never answers would hold it for pika's 15 s handshake timeout).
EXIT_SECONDS = 5.0
RELAY_LOGGER = "kata.hexagonal.adapters.outbound.amqp.relay"
RELAY_THREAD = "kata-amqp-relay"
RETRIED = "retried"  # the worker logged that it lost the broker and will try again
FOUND_EMPTY = "found the outbox empty"


class Seen:
    """What a worker under test did, noted from its thread; the test waits for it."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._changed = threading.Condition()

    def note(self, what: str) -> None:
        with self._changed:
            self._seen.add(what)
            self._changed.notify_all()

    def wait_for_any(self, *what: str) -> set[str]:
        """Those of ``what`` seen, once one was (or the deadline passed)."""
        with self._changed:
            self._changed.wait_for(lambda: self._seen & set(what), DEADLINE_SECONDS)
            return self._seen & set(what)


class MemoryShop:
    """The inside on in-memory adapters, order ids random as in production (other runs
    publish to ``kata.events`` too), and the relay the composition root would hand a worker,
    noting each time it found the outbox empty. Each order takes two of the ``stock``."""

    def __init__(self, seen: Seen, stock: int = 99) -> None:
        self._units = in_memory_units(MemoryStore(), bootstrap.utc_now)
        self.cases = bootstrap.use_cases(self._units)
        self._seen = seen
        self.cases.catalogue.register(RegisterProduct("TEA", "Tea", Decimal("10.50"), stock))

    def place_order(self) -> str:
        order = self.cases.ordering.place(
            place_command(("TEA", 2), customer_id=f"c-{secrets.token_hex(4)}")
        )
        return order.id

    def events(self) -> list[dict[str, Any]]:
        return [event_json(record) for record in self.records()]

    def records(self) -> list[EventRecord]:
        """Every event committed, as the outbox holds it."""
        return self.cases.events.read(ReadEvents(0, 1000))

    def relay_to(self, publisher: EventPublisher) -> Relay:
        relay = OutboxRelay(self._units, publisher).relay

        def relay_and_note() -> int:
            published = relay()
            if not published:
                self._seen.note(FOUND_EMPTY)
            return published

        return relay_and_note


class NoteRetries(logging.Handler):
    """Notes the relay worker's warnings: it lost the broker and will try again."""

    def __init__(self, seen: Seen) -> None:
        super().__init__(logging.WARNING)
        self._seen = seen

    def emit(self, record: logging.LogRecord) -> None:
        if "relay lost the broker" in record.getMessage():
            self._seen.note(RETRIED)


@pytest.fixture
def seen() -> Iterator[Seen]:
    """What the workers of the test did; the relay worker's warnings are noted too."""
    noted = Seen()
    handler = NoteRetries(noted)
    logger = logging.getLogger(RELAY_LOGGER)
    logger.addHandler(handler)
    yield noted
    logger.removeHandler(handler)


@contextlib.contextmanager
def refused_url(refusal: str) -> Iterator[str]:
    """A broker URL the test broker's host refuses: its password wrong, or a port of this
    machine where nothing listens (bound by the test for as long as it runs, never listening)."""
    if refusal == "wrong-password":
        parts = urlsplit(BROKER_URL)
        userinfo, _, host_port = parts.netloc.rpartition("@")
        user = userinfo.partition(":")[0] or "guest"
        netloc = f"{user}:not-the-password-{secrets.token_hex(4)}@{host_port}"
        yield urlunsplit(parts._replace(netloc=netloc))
        return
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield f"amqp://guest:guest@127.0.0.1:{bound.getsockname()[1]}/"


def _relayed_up_to_the_last_event(
    broker: Broker, shop: MemoryShop, order_ids: set[str], poll_seconds: float
) -> list[Message]:
    """Starts a relay worker on ``shop``'s outbox; answers the messages of ``order_ids`` it
    publishes, up to the shop's last event (within the deadline); stops it."""
    last_seq = shop.events()[-1]["seq"]
    relay = RelayWorker(broker.url, shop.relay_to, poll_seconds=poll_seconds)
    relay.start()
    try:
        return broker.events_of(order_ids, lambda m: m.body["seq"] == last_seq)
    finally:
        relay.stop(timeout=DEADLINE_SECONDS)


@pytest.mark.parametrize("refusal", ["wrong-password", "nothing-listening"])
def test_a_relay_the_broker_refuses_publishes_nothing_and_a_relay_it_accepts_then_sends_all(
    broker: Broker, seen: Seen, refusal: str
) -> None:
    """A relay pointed at the wrong broker URL publishes nothing there (nor anywhere else) and
    loses nothing: a relay on the right URL afterwards sends every event, each once, in order."""
    shop = MemoryShop(seen)
    order_ids = {shop.place_order(), shop.place_order()}
    with refused_url(refusal) as url:
        refused = RelayWorker(url, shop.relay_to, poll_seconds=POLL_SECONDS)
        refused.start()
        try:
            outcome = seen.wait_for_any(RETRIED, FOUND_EMPTY)
        finally:
            refused.stop(timeout=DEADLINE_SECONDS)

    assert broker.events_now(order_ids) == []
    assert outcome == {RETRIED}

    relayed = _relayed_up_to_the_last_event(broker, shop, order_ids, POLL_SECONDS)
    assert [message.body for message in relayed] == shop.events()
    assert broker.events_now(order_ids) == []  # and none of them twice


def test_an_event_committed_after_the_relay_found_the_outbox_empty_goes_out_at_the_next_poll(
    broker: Broker, seen: Seen
) -> None:
    """Once the relay found nothing to publish it waits ``poll_seconds``, not until stopped:
    what is committed meanwhile goes out at its next look."""
    shop = MemoryShop(seen)
    relay = RelayWorker(broker.url, shop.relay_to, poll_seconds=POLL_SECONDS)
    relay.start()
    try:
        assert seen.wait_for_any(FOUND_EMPTY), "the relay did not look at the outbox"
        order_id = shop.place_order()
        [placed] = broker.events_of(
            {order_id}, _is_event("OrderPlaced", order_id), within=NEXT_POLL_DEADLINE_SECONDS
        )
    finally:
        relay.stop(timeout=DEADLINE_SECONDS)
    assert [placed.body] == shop.events()


def _never_relays(publisher: EventPublisher) -> Relay:
    return lambda: 0


def test_the_relay_worker_runs_on_a_daemon_thread_of_its_own() -> None:
    """Its thread is named for what it does (``threading.enumerate``, a debugger's dump; from
    Python 3.14 ``ps -T`` too), and a daemon: a process ending is never held up by it."""
    with refused_url("nothing-listening") as url:  # it retries in the back, a second apart
        relay = RelayWorker(url, _never_relays)
        before = set(threading.enumerate())
        relay.start()
        try:
            # The thread start() started, found by name (pika starts short-lived ones too).
            named = [t for t in threading.enumerate() if t not in before and t.name == RELAY_THREAD]
            assert [thread.daemon for thread in named] == [True]
        finally:
            relay.stop(timeout=DEADLINE_SECONDS)
    assert not named[0].is_alive()


def _started(relay: RelayWorker) -> threading.Thread:
    """Starts ``relay``; answers its thread, found by name (pika starts short-lived ones too)."""
    before = set(threading.enumerate())
    relay.start()
    [thread] = [t for t in threading.enumerate() if t not in before and t.name == RELAY_THREAD]
    return thread


def test_an_event_message_says_in_its_properties_what_it_carries_and_is_persistent(
    broker: Broker,
) -> None:
    """A consumer reads a message's properties before (or instead of) its body: JSON, the event
    type, the seq as message id (what it deduplicates on: delivery is at least once); and the
    message is persistent, so a durable queue keeps it across a restart of the broker."""
    shop = MemoryShop(Seen())
    order_id = shop.place_order()
    [placed] = shop.records()
    channel = broker.connection.channel()
    try:
        AmqpEventPublisher(channel).publish(placed)
    finally:
        channel.close()

    [message] = broker.events_now({order_id})
    assert message.body == event_json(placed)
    assert message.routing_key == "OrderPlaced"
    assert message.properties.content_type == "application/json"
    assert message.properties.delivery_mode == 2  # persistent
    assert message.properties.message_id == str(placed.seq)
    assert message.properties.type == "OrderPlaced"


def test_a_backlog_of_more_than_a_batch_goes_out_at_once_not_a_batch_per_poll(
    broker: Broker, seen: Seen
) -> None:
    """A relay that was down while orders kept coming catches up straight away: it publishes
    batch after batch until the outbox is empty, and only then waits for its next poll (a
    minute here, longer than the test waits)."""
    shop = MemoryShop(seen, stock=2 * (RELAY_BATCH + 1))
    order_ids = {shop.place_order() for _ in range(RELAY_BATCH + 1)}
    relayed = _relayed_up_to_the_last_event(broker, shop, order_ids, poll_seconds=60.0)
    assert [message.body for message in relayed] == shop.events()


RELAYED = "relayed a batch"


def test_a_relay_whose_outbox_never_empties_still_stops_when_asked(
    broker: Broker, seen: Seen
) -> None:
    """Events committed faster than the relay publishes them keep it busy, batch after batch;
    ``stop`` still ends it between two batches (``kata serve`` stops within 5 seconds however
    busy the shop is)."""
    keep_coming = threading.Event()
    keep_coming.set()

    def always_more(publisher: EventPublisher) -> Relay:
        def relay() -> int:
            seen.note(RELAYED)
            return 1 if keep_coming.is_set() else 0

        return relay

    relay = RelayWorker(broker.url, always_more, poll_seconds=POLL_SECONDS)
    thread = _started(relay)
    try:
        assert seen.wait_for_any(RELAYED), "the relay did not relay"
        relay.stop(timeout=STOP_SECONDS)
        assert not thread.is_alive(), f"the relay still relays {STOP_SECONDS} s after stop"
    finally:
        keep_coming.clear()  # a relay that did not stop ends here, not with the test run
        relay.stop(timeout=DEADLINE_SECONDS)


class Looks:
    """The relay a worker is handed, on an outbox that stays empty: notes when it was looked
    at; the test waits for ``count`` looks."""

    def __init__(self, count: int) -> None:
        self.times: list[float] = []
        self._count = count
        self._changed = threading.Condition()

    def relay_to(self, publisher: EventPublisher) -> Relay:
        def look() -> int:
            with self._changed:
                self.times.append(time.monotonic())
                self._changed.notify_all()
            return 0

        return look

    def wait_for_all(self) -> list[float]:
        """When the outbox was looked at, ``count`` times (fewer if the deadline passed)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.times) >= self._count, DEADLINE_SECONDS)
            return self.times[: self._count]


def test_an_empty_outbox_is_looked_at_every_poll_seconds(broker: Broker) -> None:
    """Between two looks at an empty outbox the relay waits ``poll_seconds`` (50 ms here): not
    much less (no busy loop burning a core), and not much more (its check of the connection for
    heartbeats does not block: a commit goes out within about a poll)."""
    looks = Looks(3)
    relay = RelayWorker(broker.url, looks.relay_to, poll_seconds=POLL_SECONDS)
    relay.start()
    try:
        times = looks.wait_for_all()
    finally:
        relay.stop(timeout=DEADLINE_SECONDS)
    assert len(times) == 3, "the relay did not look at the outbox three times"
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # A second is twenty polls: room for a busy machine's scheduling, none for a blocking check.
    assert all(POLL_SECONDS / 2 <= gap < 1.0 for gap in gaps), gaps


def test_a_relay_that_reached_the_broker_says_so(
    broker: Broker, seen: Seen, caplog: pytest.LogCaptureFixture
) -> None:
    """The line an operator reads in ``kata serve``'s output once the relay is connected (the
    served test above looks for it there)."""
    shop = MemoryShop(seen)
    relay = RelayWorker(broker.url, shop.relay_to, poll_seconds=POLL_SECONDS)
    with caplog.at_level(logging.INFO, logger=RELAY_LOGGER):
        relay.start()
        try:
            assert seen.wait_for_any(FOUND_EMPTY), "the relay did not look at the outbox"
        finally:
            relay.stop(timeout=DEADLINE_SECONDS)
    told = [record.getMessage() for record in caplog.records if record.name == RELAY_LOGGER]
    assert told == ["amqp: relaying events to the broker"]


IN_FLIGHT = "a batch in flight"
# What ``stop`` waits by default for a batch in flight (``kata serve`` passes its own).
STOP_DEFAULT_SECONDS = 1.0


def test_stop_gives_up_waiting_for_a_batch_stuck_in_flight_after_a_second(
    broker: Broker, seen: Seen
) -> None:
    """``stop`` lets a batch in flight finish, but not for ever: by default it waits a second
    (a broker or database that stopped answering holds the batch; its events go out again on
    the next start). This test takes that second."""
    release = threading.Event()

    def stuck(publisher: EventPublisher) -> Relay:
        def relay() -> int:
            seen.note(IN_FLIGHT)
            release.wait(DEADLINE_SECONDS)
            return 0

        return relay

    relay = RelayWorker(broker.url, stuck)
    thread = _started(relay)
    try:
        assert seen.wait_for_any(IN_FLIGHT), "the relay did not start a batch"
        started = time.monotonic()
        relay.stop()
        waited = time.monotonic() - started
        assert thread.is_alive()  # stop returned with the batch still in flight
        # Its second, give or take a busy machine's scheduling.
        assert waited < STOP_DEFAULT_SECONDS * 1.5, waited
    finally:
        release.set()
    thread.join(DEADLINE_SECONDS)
    assert not thread.is_alive()  # and the worker ends once the batch does


# A program that runs a relay against the broker URL it is given, stops it once told to (a line
# on its stdin), and ends its main thread.
STUCK_RELAY_PROGRAM = """
import sys
from kata.hexagonal.adapters.outbound.amqp.relay import RelayWorker

relay = RelayWorker(sys.argv[1], lambda publisher: lambda: 0)
relay.start()
sys.stdin.readline()
relay.stop(timeout=0.1)
"""


def test_a_process_whose_relay_waits_on_a_broker_that_never_answers_still_exits() -> None:
    """A broker that accepts the connection and then says nothing holds the relay in pika's
    handshake for as long as pika's timeouts allow (15 s); ``stop`` gives up waiting for it,
    and the process still ends as soon as its main thread does."""
    with socket.create_server(("127.0.0.1", 0)) as silent_broker:
        silent_broker.settimeout(DEADLINE_SECONDS)
        url = f"amqp://guest:guest@127.0.0.1:{silent_broker.getsockname()[1]}/"
        program = subprocess.Popen(
            [sys.executable, "-c", STUCK_RELAY_PROGRAM, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            connection, _ = silent_broker.accept()  # the relay connected: it awaits an answer
            with connection:
                try:
                    output, _ = program.communicate(b"stop\n", timeout=EXIT_SECONDS)
                except subprocess.TimeoutExpired:
                    pytest.fail(f"the process did not end within {EXIT_SECONDS} s")
        finally:
            program.kill()
            program.wait()
    assert program.returncode == 0, output.decode()


# --- the relay worker's pauses after a failure, noted instead of slept through ----------------


class Pauses:
    """Stands in for the wait on a relay worker's stop event: notes each pause the worker asks
    for and returns at once instead of sleeping through it (a back-off of minutes is seen in
    milliseconds); once the worker asked for ``count`` pauses, it stops it."""

    def __init__(self, relay: RelayWorker, count: int, monkeypatch: pytest.MonkeyPatch) -> None:
        self.asked: list[float | None] = []
        self._stopping = relay._stopping
        self._count = count
        self._changed = threading.Condition()
        monkeypatch.setattr(self._stopping, "wait", self._wait)

    def _wait(self, timeout: float | None = None) -> bool:
        with self._changed:
            self.asked.append(timeout)
            if len(self.asked) >= self._count:
                self._stopping.set()
            self._changed.notify_all()
        return self._stopping.is_set()

    def wait_for_all(self) -> list[float | None]:
        """The pauses asked for, ``count`` of them (fewer if the deadline passed)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.asked) >= self._count, DEADLINE_SECONDS)
            return list(self.asked)


def _pauses_asked(
    url: str,
    relay_to: Callable[[EventPublisher], Relay],
    count: int,
    monkeypatch: pytest.MonkeyPatch,
) -> list[float | None]:
    """The first ``count`` pauses a relay worker on ``url`` asks for (none waited out)."""
    relay = RelayWorker(url, relay_to)
    pauses = Pauses(relay, count, monkeypatch)
    relay.start()
    try:
        return pauses.wait_for_all()
    finally:
        relay.stop(timeout=DEADLINE_SECONDS)


def _relay_messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == RELAY_LOGGER and record.levelno == level
    ]


def test_a_relay_that_cannot_reach_the_broker_tries_again_twice_as_late_each_time_up_to_30_s(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A broker down for long is not hammered: a second after the first failed try, then twice
    as long each time, up to half a minute; and each warning tells the operator when the
    next try is."""
    with refused_url("nothing-listening") as url:
        asked = _pauses_asked(url, _never_relays, 7, monkeypatch)

    assert asked == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    warned = _relay_messages(caplog, logging.WARNING)
    assert all(message.startswith("amqp: relay lost the broker (") for message in warned), warned
    assert [message.rpartition("; ")[2] for message in warned] == [
        f"retrying in {seconds} s" for seconds in [1, 2, 4, 8, 16, 30, 30]
    ]


def _failing_with(error: Exception) -> Callable[[EventPublisher], Relay]:
    def relay_to(publisher: EventPublisher) -> Relay:
        def relay() -> int:
            raise error

        return relay

    return relay_to


def test_a_relay_that_loses_the_broker_once_connected_tries_again_after_the_first_pause(
    broker: Broker, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The back-off is for a broker that stays down: each time the worker got connected, a
    later loss pauses a second again, not longer and longer; the warning says what was lost."""
    lost = ConnectionResetError("the broker closed the connection")
    asked = _pauses_asked(broker.url, _failing_with(lost), 3, monkeypatch)

    assert asked == [1.0, 1.0, 1.0]
    warning = f"amqp: relay lost the broker ({lost!r}); retrying in 1 s"
    assert _relay_messages(caplog, logging.WARNING) == [warning] * 3


def test_a_relay_that_fails_unexpectedly_logs_the_traceback_and_tries_again(
    broker: Broker, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure that is neither the broker's nor the network's (a bug) is an error with its
    traceback, for the operator to report; the worker carries on after the same pause."""
    bug = RuntimeError("a bug in the relay")
    asked = _pauses_asked(broker.url, _failing_with(bug), 2, monkeypatch)

    assert asked == [1.0, 1.0]
    assert _relay_messages(caplog, logging.ERROR) == ["amqp: relay failed; retrying in 1 s"] * 2
    failed = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert [record.exc_info[1] if record.exc_info else None for record in failed] == [bug, bug]


# --- the composition root ---------------------------------------------------------------------


def test_with_a_broker_configured_the_app_has_a_consumer_and_a_relay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(bootstrap.AMQP_URL, "amqp://guest:guest@127.0.0.1:1/")
    monkeypatch.delenv(bootstrap.AMQP_PAYMENT_QUEUE, raising=False)
    made = variants.create_app("hexagonal", f"sqlite:///{tmp_path / 'kata.sqlite3'}")
    try:
        consumer, relay = made.extensions[bootstrap.WORKERS]
    finally:
        variants.close_app(made)
    assert isinstance(consumer, PaymentResultConsumer)
    assert consumer.queue == "kata.payment-events"
    assert isinstance(relay, RelayWorker)
