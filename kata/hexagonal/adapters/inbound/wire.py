"""What both inbound doors read alike: JSON as the spec reads it (section 1), the values
payment results are made of, and the payment-result body itself.

``POST /payment-events`` (``http``) and the ``kata.payment-events`` queue (``amqp``) both take
this body, so its rules live here once; the two adapters stay independent of each other.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

MAX_BODY_BYTES = 64 * 1024
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # customer_id and payment_id
MONEY = re.compile(r"[0-9]{1,6}(\.[0-9]{1,2})?")


class NotJson(ValueError):
    """The bytes are not a JSON text the spec accepts."""


def strict_json(data: bytes) -> Any:
    """UTF-8 JSON with no repeated key, no NaN/Infinity and no lone surrogate, or NotJson."""
    try:
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_object_without_repeated_keys,
            parse_constant=_refuse_constant,
        )
        _refuse_lone_surrogates(value)
    except (UnicodeError, ValueError, RecursionError) as error:
        raise NotJson("not valid JSON") from error
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


class Pattern(validate.Validator):
    """The whole string must match (``validate.Regexp`` only anchors the start)."""

    def __init__(self, pattern: re.Pattern[str], message: str) -> None:
        self.pattern = pattern
        self.message = message

    def __call__(self, value: Any) -> Any:
        if not self.pattern.fullmatch(value):
            raise ValidationError(self.message)
        return value


class Money(fields.Field[Decimal]):
    """Money as a JSON string of digits with up to two decimals: never a JSON number."""

    default_error_messages = {"invalid": 'Not a valid amount: use a string such as "12.50".'}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if not isinstance(value, str) or not MONEY.fullmatch(value):
            raise self.make_error("invalid")
        return Decimal(value)


class PaymentEvent(Schema):
    """A payment result, as ``POST /payment-events`` and the queue receive it."""

    payment_id = fields.String(
        required=True, validate=Pattern(CLIENT_ID, "Not a valid payment id.")
    )
    order_id = fields.String(required=True, validate=validate.Length(1, 64))
    outcome = fields.String(required=True, validate=validate.OneOf(["succeeded", "failed"]))
    amount = Money(required=True)  # rule: O10 (required for both outcomes)
