"""A payment-result message: strict reading, validation, and what to tell the broker.

Nothing here speaks AMQP: :func:`handle` takes a body and answers a :class:`Verdict`, which
the consumer turns into ack, reject or requeue. The rules are the HTTP door's (spec section 1
and ``POST /payment-events``), shared through ``adapters.inbound.wire``.
"""

from __future__ import annotations

import enum
import logging
from typing import Any

from marshmallow import ValidationError

from kata.hexagonal.adapters.inbound.wire import MAX_BODY_BYTES, NotJson, PaymentEvent, strict_json
from kata.hexagonal.application.ports.errors import ConcurrentModification
from kata.hexagonal.application.ports.inbound import Payments, RecordPaymentResult
from kata.hexagonal.domain.errors import DomainError

log = logging.getLogger(__name__)

JSON_MEDIA_TYPE = "application/json"


class Verdict(enum.Enum):
    """What the broker is told once a message was handled."""

    ACK = "ack"  # the use case committed (or found it already processed): done
    REJECT = "reject"  # invalid or refused: never valid later, so dead-lettered, not requeued
    REQUEUE = "requeue"  # a transient failure: nothing committed, deliver it again


class InvalidMessage(Exception):
    """The body is not a valid payment result; ``errors`` names what is wrong."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors


def read_message(body: bytes, content_type: str | None = None) -> RecordPaymentResult:
    """The command a message body stands for, or :class:`InvalidMessage`."""
    if content_type is not None and _media_type(content_type) != JSON_MEDIA_TYPE:
        raise InvalidMessage({"_message": [f"Content type must be {JSON_MEDIA_TYPE}."]})
    if len(body) > MAX_BODY_BYTES:
        raise InvalidMessage({"_message": [f"The body is over {MAX_BODY_BYTES} bytes."]})
    try:
        value = strict_json(body)
    except NotJson as error:
        raise InvalidMessage({"_message": ["The body is not valid JSON."]}) from error
    if not isinstance(value, dict):
        raise InvalidMessage({"_message": ["The body must be a JSON object."]})
    try:
        fields_: dict[str, Any] = PaymentEvent().load(value)
    except ValidationError as error:
        raise InvalidMessage(error.normalized_messages()) from error  # type: ignore[no-untyped-call]
    return RecordPaymentResult(**fields_)


def _media_type(content_type: str) -> str:
    """``application/json; charset=utf-8`` -> ``application/json`` (a charset is ignored)."""
    return content_type.split(";", 1)[0].strip().lower()


# --- handling --------------------------------------------------------------------------------


def handle(payments: Payments, body: bytes, content_type: str | None = None) -> Verdict:
    """Drive the ``Payments`` port with one message; every outcome is logged.

    ``ACK`` is answered only after ``record_result`` returned, that is after its commit (or
    after it found the payment already processed: a redelivery changes nothing, O10).
    """
    try:
        command = read_message(body, content_type)
    except InvalidMessage as invalid:
        log.warning("amqp: rejected an invalid payment result %r: %s", body[:200], invalid.errors)
        return Verdict.REJECT
    try:
        order = payments.record_result(command)
    except DomainError as refusal:  # 404 or 409 at the HTTP door: nothing changed
        log.warning(
            "amqp: rejected payment %s for order %s: %s (%s)",
            command.payment_id,
            command.order_id,
            refusal.code,
            refusal.detail,
        )
        return Verdict.REJECT
    except ConcurrentModification as conflict:
        log.info("amqp: payment %s will be retried: %s", command.payment_id, conflict.detail)
        return Verdict.REQUEUE
    except Exception:
        log.exception("amqp: payment %s failed; it will be retried", command.payment_id)
        return Verdict.REQUEUE
    log.info(
        "amqp: payment %s %s for order %s: order %s",
        command.payment_id,
        command.outcome,
        command.order_id,
        order.status,
    )
    return Verdict.ACK
