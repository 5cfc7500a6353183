"""The codec: every event class survives the trip to a row and back, and the five published
order events are stored in exactly the wire form of spec section 4 (``GET /events`` serves
the stored data as it is)."""

from __future__ import annotations

import json
import typing
from datetime import UTC, datetime
from typing import Any

import pytest

from kata.event_sourced.domain.events import (
    PUBLISHED,
    DomainEvent,
    IdempotencyKeyBound,
    OrderAmended,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    PaymentFailed,
    ProductRegistered,
    ProductRenamed,
    ProductRepriced,
    ProductRestocked,
    StockReleased,
    StockReserved,
)
from kata.event_sourced.domain.snapshots import ProductSnapshot
from kata.event_sourced.eventstore import codec
from tests.event_sourced.builders import CUSTOMER, NOW, ORDER_ID, line, money

STORED_AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # "now", for events that record no time
LINES = (line("SKU-A", 2, "10.00"), line("SKU-B", 1, "0.50"))

# One of each event class; a class added to DomainEvent fails the first test until it is here.
EXAMPLES: list[DomainEvent] = [
    OrderPlaced(ORDER_ID, CUSTOMER, LINES, money("20.50"), NOW),
    OrderAmended(ORDER_ID, LINES[:1], money("20.00")),
    OrderPaid(ORDER_ID, "payment-1", money("20.00")),
    PaymentFailed(ORDER_ID, "payment-2"),
    OrderCancelled(ORDER_ID, "payment-failed", True),
    OrderShipped(ORDER_ID),
    ProductRegistered("SKU-A", 'Ünïcode ☕ "quoted"', money("100000.00"), 0),
    ProductRenamed("SKU-A", "Widget"),
    ProductRepriced("SKU-A", money("0.01")),
    ProductRestocked("SKU-A", 1_000_000),
    StockReserved("SKU-A", ORDER_ID, 3),
    StockReleased("SKU-A", ORDER_ID, 3),
    IdempotencyKeyBound("key-1", '{"customer_id":"c1"}', ORDER_ID),
]


def _round_trip(event: DomainEvent) -> DomainEvent:
    type_name, data, occurred_at = codec.encode(event)
    return codec.decode(type_name, codec.stream_of(event), data, occurred_at or STORED_AT)


def test_there_is_an_example_of_every_event_class() -> None:
    assert {type(event) for event in EXAMPLES} == set(typing.get_args(DomainEvent))


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda event: type(event).__name__)
def test_every_event_comes_back_equal_from_its_row(event: DomainEvent) -> None:
    assert _round_trip(event) == event


def test_the_stream_is_named_by_the_first_field_and_left_out_of_the_data() -> None:
    assert [codec.stream_of(event) for event in EXAMPLES[:1] + EXAMPLES[6:7] + EXAMPLES[-1:]] == [
        f"order/{ORDER_ID}",
        "product/SKU-A",
        "idempotency/key-1",
    ]
    assert all("order_id" not in json.loads(codec.encode(e)[1]) for e in EXAMPLES[:6])


def test_only_order_placed_records_its_own_time() -> None:
    assert [codec.encode(event)[2] for event in EXAMPLES] == [NOW] + [None] * (len(EXAMPLES) - 1)


WIRE_FORM: dict[str, tuple[DomainEvent, dict[str, Any]]] = {
    "OrderPlaced": (
        EXAMPLES[0],
        {
            "customer_id": CUSTOMER,
            "lines": [
                {"sku": "SKU-A", "quantity": 2, "unit_price": "10.00"},
                {"sku": "SKU-B", "quantity": 1, "unit_price": "0.50"},
            ],
            "total": "20.50",
        },
    ),
    "OrderAmended": (
        EXAMPLES[1],
        {"lines": [{"sku": "SKU-A", "quantity": 2, "unit_price": "10.00"}], "total": "20.00"},
    ),
    "OrderPaid": (EXAMPLES[2], {"payment_id": "payment-1", "amount": "20.00"}),
    "OrderCancelled": (EXAMPLES[4], {"reason": "payment-failed", "refund_due": True}),
    "OrderShipped": (EXAMPLES[5], {}),
}


def test_the_published_events_are_the_five_of_the_spec() -> None:
    assert set(WIRE_FORM) == set(PUBLISHED)


@pytest.mark.rule("events")
@pytest.mark.parametrize("published", PUBLISHED)
def test_a_published_event_is_stored_in_the_wire_form_of_the_spec(published: str) -> None:
    event, wire = WIRE_FORM[published]

    type_name, data, _ = codec.encode(event)

    assert type_name == published
    assert json.loads(data) == wire


def test_a_process_that_never_used_the_codec_reads_and_writes_every_class_from_its_first_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The codec learns a class's fields the first time it meets it, then keeps them for the
    process. In a test run every class is met long before any one case runs (and a mutation
    run forks each worker from a process that already met them all), so here each class
    meets a codec that has learned nothing yet, when it is written and again when it is read
    back: as in a new process, a server restarted on a log written by another."""

    def forget() -> None:
        monkeypatch.setattr(codec, "_FIELDS", {})

    for event in EXAMPLES:
        forget()
        type_name, data, occurred_at = codec.encode(event)
        forget()
        stream = codec.stream_of(event)
        forget()
        assert codec.decode(type_name, stream, data, occurred_at or STORED_AT) == event
    snapshot = ProductSnapshot("SKU-A", "Widget", money("12.50"), 7)
    forget()
    _, data = codec.encode_snapshot(snapshot)
    forget()
    assert codec.decode_snapshot("product/SKU-A", data) == snapshot


@pytest.mark.parametrize("key", ["a/b", "a/b/c", "/", "//x/"])
def test_a_key_with_slashes_comes_back_whole_from_its_stream_name(key: str) -> None:
    """O12: an Idempotency-Key is any visible ASCII, "/" too: the stream's name is split at
    its first slash only, so the key read back is the key bound."""
    bound = IdempotencyKeyBound(key, '{"customer_id":"c1"}', ORDER_ID)

    assert codec.stream_of(bound) == f"idempotency/{key}"
    assert _round_trip(bound) == bound


def test_a_snapshot_is_stored_under_its_type_name_as_an_event_is() -> None:
    snapshot = ProductSnapshot("SKU-A", "Widget", money("12.50"), 7)

    type_name, data = codec.encode_snapshot(snapshot)

    assert type_name == "ProductSnapshot"
    assert json.loads(data) == {"name": "Widget", "price": "12.50", "stock": 7}
