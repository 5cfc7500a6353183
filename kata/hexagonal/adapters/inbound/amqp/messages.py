"""A payment-result message: strict reading, validation, and what to tell the broker.

Nothing here speaks AMQP: :func:`handle` takes a body and answers a :class:`Verdict`, which
the consumer turns into ack, reject or requeue. The rules are the HTTP door's (spec section 1
and ``POST /payment-events``), written again here so that the two inbound adapters stay
independent of each other.
"""

from __future__ import annotations

import enum
import json
import logging
import re
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from kata.hexagonal.application.ports.errors import ConcurrentModification
from kata.hexagonal.application.ports.inbound import Payments, RecordPaymentResult
from kata.hexagonal.domain.errors import DomainError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # as for an HTTP body
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MONEY = re.compile(r"[0-9]{1,6}(\.[0-9]{1,2})?")
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


# --- validation ------------------------------------------------------------------------------


class _Pattern(validate.Validator):
    """The whole string must match (``validate.Regexp`` only anchors the start)."""

    def __init__(self, pattern: re.Pattern[str], message: str) -> None:
        self.pattern = pattern
        self.message = message

    def __call__(self, value: Any) -> Any:
        if not self.pattern.fullmatch(value):
            raise ValidationError(self.message)
        return value


class _Money(fields.Field[Decimal]):
    """Money as a JSON string of digits with up to two decimals: never a JSON number."""

    default_error_messages = {"invalid": 'Not a valid amount: use a string such as "12.50".'}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if not isinstance(value, str) or not MONEY.fullmatch(value):
            raise self.make_error("invalid")
        return Decimal(value)


class PaymentResultMessage(Schema):
    """The body of ``POST /payment-events``; unknown fields are refused (marshmallow's RAISE)."""

    payment_id = fields.String(
        required=True, validate=_Pattern(CLIENT_ID, "Not a valid payment id.")
    )
    order_id = fields.String(required=True, validate=validate.Length(1, 64))
    outcome = fields.String(required=True, validate=validate.OneOf(["succeeded", "failed"]))
    amount = _Money(required=True)


def read_message(body: bytes, content_type: str | None = None) -> RecordPaymentResult:
    """The command a message body stands for, or :class:`InvalidMessage`."""
    if content_type is not None and _media_type(content_type) != JSON_MEDIA_TYPE:
        raise InvalidMessage({"_message": [f"Content type must be {JSON_MEDIA_TYPE}."]})
    if len(body) > MAX_BODY_BYTES:
        raise InvalidMessage({"_message": [f"The body is over {MAX_BODY_BYTES} bytes."]})
    value = _strict_json(body)
    if not isinstance(value, dict):
        raise InvalidMessage({"_message": ["The body must be a JSON object."]})
    try:
        fields_: dict[str, Any] = PaymentResultMessage().load(value)
    except ValidationError as error:
        raise InvalidMessage(error.normalized_messages()) from error  # type: ignore[no-untyped-call]
    return RecordPaymentResult(**fields_)


def _media_type(content_type: str) -> str:
    """``application/json; charset=utf-8`` -> ``application/json`` (a charset is ignored)."""
    return content_type.split(";", 1)[0].strip().lower()


def _strict_json(body: bytes) -> Any:
    """JSON as the spec reads it: UTF-8, no repeated key, no NaN/Infinity, no lone surrogate."""
    try:
        value = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=_object_without_repeated_keys,
            parse_constant=_refuse_constant,
        )
        _refuse_lone_surrogates(value)
    except (UnicodeError, ValueError, RecursionError) as error:
        raise InvalidMessage({"_message": ["The body is not valid JSON."]}) from error
    return value


def _object_without_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("repeated key")
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _refuse_lone_surrogates(value: Any) -> None:
    """Python's json accepts "\\ud800"; it is not text, so encoding it raises UnicodeError."""
    if isinstance(value, str):
        value.encode("utf-8")
    elif isinstance(value, dict):
        for key, item in value.items():
            key.encode("utf-8")
            _refuse_lone_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_lone_surrogates(item)


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
