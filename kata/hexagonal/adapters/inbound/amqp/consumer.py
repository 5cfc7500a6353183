"""The payment-result consumer: a thread that drives ``Payments`` from a RabbitMQ queue.

It declares its durable queue (dead-lettering to ``<queue>.rejected``), takes one message at a
time and tells the broker the :class:`~.messages.Verdict`: ack after the commit, reject (to
the dead-letter queue) for an invalid or refused message, requeue for a transient failure.
A lost broker connection is retried until the consumer is stopped.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import pika
import pika.exceptions

from kata.hexagonal.adapters.inbound.amqp.messages import Verdict, handle
from kata.hexagonal.application.ports.inbound import Payments

log = logging.getLogger(__name__)

PAYMENT_QUEUE = "kata.payment-events"
# How long one wait for a message lasts: the longest a stop request waits to be seen.
WAIT_SECONDS = 0.25
# Pause before reconnecting to the broker (doubling up to the maximum while it stays away),
# and before requeueing a failed message (so a database that is down is not hammered by it).
RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0


def rejected_queue(queue: str) -> str:
    """Where the broker puts the messages this consumer rejects."""
    return f"{queue}.rejected"


def declare_payment_queue(channel: Any, queue: str = PAYMENT_QUEUE) -> None:
    """Declare ``queue`` (durable) and its dead-letter queue; the same call any producer makes.

    A rejected message goes to ``<queue>.rejected`` through the default exchange, where an
    operator can read it: invalid input is never requeued, and never silently lost.
    """
    channel.queue_declare(queue=rejected_queue(queue), durable=True)
    channel.queue_declare(
        queue=queue,
        durable=True,
        arguments={
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": rejected_queue(queue),
        },
    )


class PaymentResultConsumer:
    """A background worker (``start``/``stop``) consuming ``queue`` at ``url``."""

    def __init__(self, url: str, payments: Payments, queue: str = PAYMENT_QUEUE) -> None:
        self._parameters = pika.URLParameters(url)
        self._payments = payments
        self.queue = queue
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kata-amqp-consumer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop taking messages; the one in hand is finished first (within ``timeout``, or it
        is redelivered later: it was not acknowledged)."""
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
                    self._consume(connection.channel())
                finally:
                    if connection.is_open:
                        connection.close()
            except (pika.exceptions.AMQPError, OSError) as error:
                log.warning("amqp: consumer lost the broker (%r); retrying in %.0f s", error, pause)
            except Exception:
                log.exception("amqp: consumer failed; retrying in %.0f s", pause)
            self._stopping.wait(pause)
            pause = min(pause * 2, MAX_RETRY_SECONDS)

    def _consume(self, channel: Any) -> None:
        declare_payment_queue(channel, self.queue)
        channel.basic_qos(prefetch_count=1)
        log.info("amqp: consuming payment results from %s", self.queue)
        for method, properties, body in channel.consume(
            self.queue, inactivity_timeout=WAIT_SECONDS
        ):
            if self._stopping.is_set():
                break
            if method is None:  # no message this time: look at the stop flag again
                continue
            self._settle(channel, method.delivery_tag, properties.content_type, body)
        channel.cancel()  # a message fetched but not handled goes back to the queue

    def _settle(self, channel: Any, tag: int, content_type: str | None, body: bytes) -> None:
        verdict = handle(self._payments, body, content_type)
        if verdict is Verdict.ACK:
            channel.basic_ack(tag)
        elif verdict is Verdict.REJECT:
            channel.basic_reject(tag, requeue=False)
        else:
            self._stopping.wait(RETRY_SECONDS)
            channel.basic_nack(tag, requeue=True)
