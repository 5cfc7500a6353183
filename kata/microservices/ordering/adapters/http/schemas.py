"""The ordering service's request schemas, built from the chassis' fields."""

from __future__ import annotations

from collections import Counter
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from kata.microservices.chassis.schemas import (
    CLIENT_ID,
    LineItem,
    Money,
    Pattern,
    QueryInteger,
    StrictInteger,
    sku_field,
)
from kata.microservices.ordering.domain.order import OrderStatus

MAX_LINE_QUANTITY = 1000


class OrderLineRequest(Schema):
    sku = sku_field(required=True)
    # rule: O1 (1-1000 units an item)
    quantity = StrictInteger(required=True, validate=validate.Range(1, MAX_LINE_QUANTITY))


class NewOrder(Schema):
    customer_id = fields.String(
        required=True, validate=Pattern(CLIENT_ID, "Not a valid customer id.")
    )
    # rule: O1 (1-20 items)
    lines = fields.List(LineItem(OrderLineRequest), required=True, validate=validate.Length(1, 20))

    @validates_schema(skip_on_field_errors=True)
    def _merged_lines_within_limit(self, data: dict[str, Any], **kwargs: Any) -> None:
        over = sorted(
            sku for sku, n in merged_lines(data["lines"]).items() if n > MAX_LINE_QUANTITY
        )
        if over:  # rule: O1
            raise ValidationError(
                [f"{sku}: more than {MAX_LINE_QUANTITY} units in all." for sku in over], "lines"
            )


class LineQuantity(Schema):
    # rule: O9 (PUT sets a quantity of 1-1000)
    quantity = StrictInteger(required=True, validate=validate.Range(1, MAX_LINE_QUANTITY))


class NoFields(Schema):
    """``{}``: the body of a cancellation or a shipment."""


class PaymentEvent(Schema):
    payment_id = fields.String(
        required=True, validate=Pattern(CLIENT_ID, "Not a valid payment id.")
    )
    order_id = fields.String(required=True, validate=validate.Length(1, 64))
    outcome = fields.String(required=True, validate=validate.OneOf(["succeeded", "failed"]))
    amount = Money(required=True)  # rule: O10 (required for both outcomes)


def merged_lines(lines: list[dict[str, Any]]) -> dict[str, int]:
    """Items with the same SKU make one line; their quantities add up (O1)."""
    merged: Counter[str] = Counter()
    for line in lines:
        merged[line["sku"]] += line["quantity"]  # rule: O1
    return dict(merged)


class OrdersQuery(Schema):
    customer_id = fields.String(validate=Pattern(CLIENT_ID, "Not a valid customer id."))
    status = fields.String(validate=validate.OneOf([status.value for status in OrderStatus]))
    limit = QueryInteger(load_default=50, validate=validate.Range(1, 200))


class EventsQuery(Schema):
    after = QueryInteger(load_default=0, validate=validate.Range(min=0))
    limit = QueryInteger(load_default=100, validate=validate.Range(1, 500))
