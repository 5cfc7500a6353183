"""The ``EventPublisher`` port on a RabbitMQ channel with publisher confirms."""

from __future__ import annotations

from typing import Any

import pika

from kata.hexagonal.adapters.outbound.amqp.messages import (
    EVENTS_EXCHANGE,
    event_body,
    routing_key,
)
from kata.hexagonal.application.ports.outbound import EventRecord


def declare_events_exchange(channel: Any) -> None:
    """The durable topic exchange events go to; subscribers bind their own queues to it."""
    channel.exchange_declare(exchange=EVENTS_EXCHANGE, exchange_type="topic", durable=True)


class AmqpEventPublisher:
    """Publishes persistent messages on a channel in confirm mode: ``publish`` returns only
    once the broker took the message (and raises if it did not), so the relay moves its
    position past events the broker holds, never past lost ones."""

    def __init__(self, channel: Any) -> None:
        self._channel = channel
        declare_events_exchange(channel)
        channel.confirm_delivery()

    def publish(self, event: EventRecord) -> None:
        self._channel.basic_publish(
            exchange=EVENTS_EXCHANGE,
            routing_key=routing_key(event),
            body=event_body(event),
            properties=pika.BasicProperties(
                content_type="application/json",
                delivery_mode=pika.DeliveryMode.Persistent,
                message_id=str(event.seq),
                type=event.type,
            ),
        )
