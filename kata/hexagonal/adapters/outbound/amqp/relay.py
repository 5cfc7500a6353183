"""The relay worker: a thread that publishes the outbox to RabbitMQ until it is stopped.

It calls the relay (``OutboxRelay.relay``, handed in by the composition root: adapters see
ports, not services) until nothing is left, then waits ``poll_seconds`` for new commits. Any
failure (broker or database) drops the connection and starts again after a pause; the relay
publishes at least once, so nothing committed is ever skipped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import pika
import pika.exceptions

from kata.hexagonal.adapters.outbound.amqp.publisher import AmqpEventPublisher
from kata.hexagonal.application.ports.outbound import EventPublisher

log = logging.getLogger(__name__)

# Publishes the next batch of committed events; answers how many (0: none left).
Relay = Callable[[], int]

# How often the outbox is looked at when it was found empty.
POLL_SECONDS = 0.5
# Pause before starting again after a failure, doubling up to the maximum while it lasts.
RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0


class RelayWorker:
    """A background worker (``start``/``stop``) relaying the outbox to the broker at ``url``."""

    def __init__(
        self,
        url: str,
        relay_to: Callable[[EventPublisher], Relay],
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._parameters = pika.URLParameters(url)
        self._relay_to = relay_to
        self._poll_seconds = poll_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kata-amqp-relay", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop relaying; a batch in flight is finished first (within ``timeout``, else its
        events are published again on the next start: the position had not moved)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        pause = RETRY_SECONDS
        while not self._stopping.is_set():
            try:
                connection = pika.BlockingConnection(self._parameters)
                pause = RETRY_SECONDS  # connected: a later loss starts the back-off afresh
                try:
                    self._relay_until_stopped(connection)
                finally:
                    if connection.is_open:
                        connection.close()
            except (pika.exceptions.AMQPError, OSError) as error:
                log.warning("amqp: relay lost the broker (%r); retrying in %.0f s", error, pause)
            except Exception:
                log.exception("amqp: relay failed; retrying in %.0f s", pause)
            self._stopping.wait(pause)
            pause = min(pause * 2, MAX_RETRY_SECONDS)

    def _relay_until_stopped(self, connection: Any) -> None:
        relay = self._relay_to(AmqpEventPublisher(connection.channel()))
        log.info("amqp: relaying events to the broker")
        while not self._stopping.is_set():
            while relay() and not self._stopping.is_set():
                pass
            connection.process_data_events(0)  # heartbeats; a lost connection shows here
            self._stopping.wait(self._poll_seconds)
