"""The AMQP adapters without a broker: what a payment-result message must look like (as strict
as ``POST /payment-events``), what the broker is told for each outcome, the event JSON a
message carries, and the composition root's wiring of the workers."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from kata import variants
from kata.hexagonal import bootstrap
from kata.hexagonal.adapters.inbound.amqp.messages import (
    InvalidMessage,
    Verdict,
    handle,
    read_message,
)
from kata.hexagonal.adapters.inbound.http.wiring import USE_CASES
from kata.hexagonal.adapters.outbound.amqp.messages import event_json
from kata.hexagonal.application.ports.errors import ConcurrentModification
from kata.hexagonal.application.ports.inbound import (
    OrderView,
    ReadEvents,
    RecordPaymentResult,
    UseCases,
)
from kata.hexagonal.domain.errors import DomainError, InvalidState, NotFound, PaymentMismatch
from tests.acceptance.driver import InProcessDriver, Reply

VALID = {"payment_id": "pay-1", "order_id": "order-1", "outcome": "succeeded", "amount": "10.5"}
JSON = "application/json"


def _body(**changes: Any) -> bytes:
    return json.dumps({**VALID, **changes}).encode()


def _without(name: str) -> bytes:
    return json.dumps({key: value for key, value in VALID.items() if key != name}).encode()


# --- reading a message: the same rules as the HTTP door -----------------------------------

# (id, body, content type, the status POST /payment-events answers the same body with)
INVALID = [
    ("unknown-field", _body(note="x"), JSON, 422),
    ("amount-as-number", _body(amount=10.5), JSON, 422),
    ("amount-exponent", _body(amount="1e3"), JSON, 422),
    ("amount-nan", _body(amount="NaN"), JSON, 422),
    ("amount-negative", _body(amount="-1"), JSON, 422),
    ("amount-trailing-newline", _body(amount="10.00\n"), JSON, 422),
    ("amount-three-decimals", _body(amount="10.123"), JSON, 422),
    ("amount-seven-digits", _body(amount="1234567"), JSON, 422),
    ("amount-non-ascii-digits", _body(amount="\u0661\u0660"), JSON, 422),
    ("amount-missing", _without("amount"), JSON, 422),
    ("amount-null", _body(amount=None), JSON, 422),
    ("outcome-unknown", _body(outcome="refunded"), JSON, 422),
    ("outcome-missing", _without("outcome"), JSON, 422),
    ("payment-id-space", _body(payment_id="pay 1"), JSON, 422),
    ("payment-id-empty", _body(payment_id=""), JSON, 422),
    ("payment-id-65", _body(payment_id="p" * 65), JSON, 422),
    ("payment-id-number", _body(payment_id=7), JSON, 422),
    ("order-id-empty", _body(order_id=""), JSON, 422),
    ("order-id-65", _body(order_id="o" * 65), JSON, 422),
    ("order-id-number", _body(order_id=12), JSON, 422),
    ("not-json", b'{"payment_id": ', JSON, 400),
    ("not-an-object", b"[]", JSON, 400),
    ("repeated-key", b'{"amount": "1", "amount": "1"}', JSON, 400),
    ("nan-literal", b'{"amount": NaN}', JSON, 400),
    ("lone-surrogate", b'{"payment_id": "\\ud800"}', JSON, 400),
    ("not-utf-8", b'{"payment_id": "\xff"}', JSON, 400),
    ("not-json-media-type", _body(), "text/plain", 415),
    ("over-64-KiB", _body(note="x" * 65536), JSON, 413),
]


@pytest.mark.parametrize(
    ("body", "content_type"), [row[1:3] for row in INVALID], ids=[row[0] for row in INVALID]
)
def test_a_message_the_http_door_would_refuse_is_invalid(
    body: bytes, content_type: str | None
) -> None:
    with pytest.raises(InvalidMessage) as refused:
        read_message(body, content_type)
    assert refused.value.errors


def test_an_unknown_field_is_reported_under_its_own_name() -> None:
    with pytest.raises(InvalidMessage) as refused:
        read_message(_body(note="x", amount=1))
    assert set(refused.value.errors) == {"note", "amount"}


@pytest.mark.parametrize(
    "content_type", [None, "application/json", "Application/JSON; charset=utf-8"]
)
@pytest.mark.parametrize("amount", ["10.5", "0", "7", "999999.99"])
def test_a_valid_message_is_the_payments_command(content_type: str | None, amount: str) -> None:
    command = read_message(_body(amount=amount), content_type)
    assert command == RecordPaymentResult("pay-1", "order-1", "succeeded", Decimal(amount))


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.delenv(bootstrap.AMQP_URL, raising=False)
    made = variants.create_app("hexagonal", f"sqlite:///{tmp_path / 'kata.sqlite3'}")
    yield made
    variants.close_app(made)


def _post(app: Flask, target: str, body: bytes, content_type: str | None = JSON) -> Reply:
    headers = {"Content-Type": content_type} if content_type else {}
    return InProcessDriver(app).send("POST", target, body, headers)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [row[1:] for row in INVALID],
    ids=[row[0] for row in INVALID],
)
def test_the_http_door_refuses_each_invalid_message_too(
    app: Flask, body: bytes, content_type: str, status: int
) -> None:
    """The table above is the HTTP adapter's judgement, not a guess: both doors agree."""
    assert _post(app, "/payment-events", body, content_type).status == status


# --- what the broker is told --------------------------------------------------------------


class FakePayments:
    """The ``Payments`` port, answering with ``outcome``: a view, or an exception raised."""

    def __init__(self, outcome: OrderView | Exception) -> None:
        self.outcome = outcome
        self.commands: list[RecordPaymentResult] = []

    def record_result(self, command: RecordPaymentResult) -> OrderView:
        self.commands.append(command)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def _paid_order(app: Flask) -> OrderView:
    """A real ``OrderView`` (paid), made through the HTTP door."""
    driver = InProcessDriver(app)
    headers = {"Content-Type": JSON}
    product = {"sku": "AMQP-1", "name": "Tea", "price": "10.50", "stock": 5}
    assert driver.send("POST", "/products", json.dumps(product).encode(), headers).status == 201
    order = {"customer_id": "c-1", "lines": [{"sku": "AMQP-1", "quantity": 1}]}
    placed = driver.send("POST", "/orders", json.dumps(order).encode(), headers).json()
    cases: UseCases = app.extensions[USE_CASES]
    return cases.payments.record_result(
        RecordPaymentResult("pay-1", placed["id"], "succeeded", Decimal("10.50"))
    )


def test_a_processed_message_is_acknowledged_after_the_port_returned(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    payments = FakePayments(_paid_order(app))
    with caplog.at_level(logging.INFO):
        assert handle(payments, _body(), JSON) is Verdict.ACK
    assert payments.commands == [read_message(_body())]
    assert "payment pay-1 succeeded for order order-1: order PAID" in caplog.text


def test_an_invalid_message_is_rejected_and_logged_without_reaching_the_port(
    caplog: pytest.LogCaptureFixture,
) -> None:
    payments = FakePayments(RuntimeError("must not be called"))
    assert handle(payments, _body(amount=10.5), JSON) is Verdict.REJECT
    assert payments.commands == []
    assert "rejected an invalid payment result" in caplog.text
    assert "amount" in caplog.text


@pytest.mark.parametrize(
    "refusal",
    [
        NotFound("No order order-1."),
        PaymentMismatch("The amount is not the total."),
        InvalidState("The order is cancelled."),
    ],
    ids=["not-found", "payment-mismatch", "invalid-state"],
)
def test_a_message_the_port_refuses_is_rejected_and_logged(
    refusal: DomainError, caplog: pytest.LogCaptureFixture
) -> None:
    """A refusal (404 or 409 at the HTTP door) changed nothing and would be refused again."""
    assert handle(FakePayments(refusal), _body(), JSON) is Verdict.REJECT
    assert f"rejected payment pay-1 for order order-1: {refusal.code}" in caplog.text


@pytest.mark.parametrize(
    "failure",
    [ConcurrentModification("Too many concurrent changes."), OSError("database went away")],
    ids=["lost-races", "unexpected"],
)
def test_a_transient_failure_is_requeued(
    failure: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        assert handle(FakePayments(failure), _body(), JSON) is Verdict.REQUEUE
    assert "payment pay-1" in caplog.text
    assert "retried" in caplog.text


# --- the event a message carries ----------------------------------------------------------


def test_an_event_message_is_the_event_json_get_events_shows(app: Flask) -> None:
    """Spec section 4: body = the event JSON, exactly as ``GET /events`` lists it."""
    _paid_order(app)
    listed = InProcessDriver(app).send("GET", "/events").json()["events"]
    cases: UseCases = app.extensions[USE_CASES]
    records = cases.events.read(ReadEvents(after=0, limit=100))
    assert [record.type for record in records] == ["OrderPlaced", "OrderPaid"]
    assert [event_json(record) for record in records] == listed


# --- the composition root ------------------------------------------------------------------


def test_without_a_broker_the_app_has_no_workers(app: Flask) -> None:
    assert app.extensions[bootstrap.WORKERS] == []
