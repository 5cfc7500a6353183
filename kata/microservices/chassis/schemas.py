"""marshmallow fields for the spec's section 1 values, and loading a body or a query with them.

Part of the chassis: each service declares its own schemas with these fields. Loading either
returns clean, typed values or raises a 422 ``validation-error`` that names every bad field;
unknown fields are refused everywhere, nested ones included.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import Any

from flask import request
from marshmallow import Schema, ValidationError, fields, validate

from kata.microservices.chassis.problems import Problem, validation_error

SKU = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}")
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # customer_id and payment_id
MONEY = re.compile(r"[0-9]{1,6}(\.[0-9]{1,2})?")
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,64}")  # visible ASCII
QUERY_INTEGER = re.compile(r"[0-9]+")
# Seqs and limits fit in 64 bits. A larger query integer is still an integer (the spec sets
# `after` no maximum): it reads as the largest, past every seq and every limit.
LARGEST_QUERY_INTEGER = 2**63 - 1
MAX_LINE_QUANTITY = 1000


# --- fields --------------------------------------------------------------------------------


class Pattern(validate.Validator):
    """The whole string must match (``validate.Regexp`` only anchors the start)."""

    def __init__(self, pattern: re.Pattern[str], message: str) -> None:
        self.pattern = pattern
        self.message = message

    def __call__(self, value: Any) -> Any:
        if not self.pattern.fullmatch(value):
            raise ValidationError(self.message)
        return value


class StrictInteger(fields.Field[int]):
    """A JSON integer: ``true``, ``2.0`` and ``"2"`` are not quantities."""

    default_error_messages = {"invalid": "Not a valid integer."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if type(value) is not int:
            raise self.make_error("invalid")
        return value


class Money(fields.Field[Decimal]):
    """Money as a JSON string of digits with up to two decimals: never a JSON number."""

    default_error_messages = {"invalid": 'Not a valid amount: use a string such as "12.50".'}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if not isinstance(value, str) or not MONEY.fullmatch(value):
            raise self.make_error("invalid")
        return Decimal(value)


class ProductName(fields.String):
    """Trimmed, then 1-100 characters with no control characters."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        name = super()._deserialize(value, attr, data, **kwargs).strip()
        if not 1 <= len(name) <= 100:
            raise ValidationError("Must be 1 to 100 characters after trimming.")
        if any(unicodedata.category(char) == "Cc" for char in name):
            raise ValidationError("Must not contain control characters.")
        return name


class LineItem(fields.Nested):
    """A ``lines`` item; one that is not an object gets a list of messages under its index."""

    def _deserialize(
        self,
        value: Any,
        attr: str | None,
        data: Mapping[str, Any] | None,
        partial: bool | Sequence[str] | AbstractSet[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        if not isinstance(value, dict):
            raise ValidationError(["Not an object."])
        return super()._deserialize(value, attr, data, partial, **kwargs)


def sku_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=Pattern(SKU, "Not a valid SKU."), **kwargs)


def price_field(**kwargs: Any) -> Money:
    # rule: P1 (0.01 <= price <= 100000.00, when registering and when repricing)
    return Money(validate=validate.Range(Decimal("0.01"), Decimal("100000.00")), **kwargs)


# --- query parameters ----------------------------------------------------------------------


class QueryInteger(fields.Field[int]):
    default_error_messages = {"invalid": "Not a valid integer."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not QUERY_INTEGER.fullmatch(value):
            raise self.make_error("invalid")
        digits = value.lstrip("0") or "0"
        if len(digits) > len(str(LARGEST_QUERY_INTEGER)):  # int() refuses very long strings
            return LARGEST_QUERY_INTEGER
        return min(int(digits), LARGEST_QUERY_INTEGER)


# --- loading -------------------------------------------------------------------------------


def load(
    schema: type[Schema], data: Mapping[str, Any], more_errors: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Validated values, or a 422 naming every problem (``more_errors`` included)."""
    errors = dict(more_errors or {})
    try:
        values: dict[str, Any] = _instance(schema).load(data)
    except ValidationError as error:
        errors.update(error.normalized_messages())  # type: ignore[no-untyped-call]
    if errors:
        raise validation_error(errors)
    return values


# One instance of each schema: a marshmallow ``Schema`` copies all its fields when it is made,
# which costs more than loading a small body. They hold no state between loads.
_INSTANCES: dict[type[Schema], Schema] = {}


def _instance(schema: type[Schema]) -> Schema:
    if schema not in _INSTANCES:
        _INSTANCES[schema] = schema()
    return _INSTANCES[schema]


def query(schema: type[Schema]) -> dict[str, Any]:
    """Known query parameters, each given once and not empty; unknown ones are ignored."""
    given: dict[str, str] = {}
    errors: dict[str, Any] = {}
    for name in _instance(schema).fields:
        values = request.args.getlist(name)
        if len(values) > 1:
            errors[name] = ["Give this parameter once."]
        elif values == [""]:
            errors[name] = ["Must not be empty."]
        elif values:
            given[name] = values[0]
    return load(schema, given, errors)


def idempotency_key_errors() -> tuple[str | None, dict[str, Any]]:
    """The ``Idempotency-Key`` header (or None), and the errors it deserves."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):  # rule: O12
        return None, {"Idempotency-Key": ["Must be 1 to 64 visible ASCII characters."]}
    return key, {}


def path_sku(sku: str) -> str:
    """A SKU from the path; one that cannot be a SKU names nothing."""
    if not SKU.fullmatch(sku):
        raise Problem("not-found", f"No product with SKU {sku}.")
    return sku
