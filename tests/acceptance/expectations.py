"""What the acceptance cases expect of the shop's answers, in one place.

Status and problem checks, the ``errors`` tree of a ``validation-error``, "nothing changed"
around a refused request, the shapes of orders and events, the lines they show, and a
collector that lets one case report every variation that failed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from tests.acceptance.driver import Reply

if TYPE_CHECKING:
    from tests.acceptance.dsl import Order, Shop

Outcome = tuple[int, str | None]
AnyReply = TypeVar("AnyReply", bound=Reply)

ORDER_FIELDS = frozenset(
    {
        "id",
        "customer_id",
        "status",
        "lines",
        "subtotal",
        "discount",
        "total",
        "payment_id",
        "cancel_reason",
        "refund_due",
        "created_at",
    }
)
EVENT_FIELDS = frozenset({"seq", "type", "order_id", "occurred_at", "data"})
RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
CENT = Decimal("0.01")

# --- replies ----------------------------------------------------------------------------------


def expect_status(reply: AnyReply, status: int) -> AnyReply:
    assert reply.status == status, f"expected {status}: {reply}"
    return reply


def body_of(reply: Reply, status: int) -> dict[str, Any]:
    """The JSON object body of a reply that must have ``status``."""
    body = expect_status(reply, status).json()
    assert isinstance(body, dict), str(reply)
    return body


def outcome(reply: Reply) -> Outcome:
    """A reply as (status, problem code or None): what concurrency cases tally."""
    return reply.status, reply.problem


def expect_problem(reply: Reply, status: int, code: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem answer with this status and code; returns its body."""
    assert reply.status == status, f"expected {status} {code}: {reply}"
    assert reply.content_type == "application/problem+json", str(reply)
    body: dict[str, Any] = reply.json()
    assert body["type"] == f"urn:kata:problem:{code}", str(reply)
    assert body["status"] == status, str(reply)
    assert isinstance(body["title"], str)
    assert isinstance(body["detail"], str)
    return body


def expect_skus_problem(reply: Reply, status: int, code: str, skus: list[str]) -> dict[str, Any]:
    """Assert an ``insufficient-stock`` / ``unknown-product`` problem naming exactly ``skus``."""
    body = expect_problem(reply, status, code)
    assert body["skus"] == skus, str(reply)
    return body


def error_paths(errors: Any, prefix: str = "") -> set[str]:
    """The dotted paths of the message lists in an ``errors`` tree: ``{"lines.0.quantity"}``."""
    if isinstance(errors, list):
        assert errors, f"{prefix or 'errors'}: an empty list of messages"
        assert all(isinstance(m, str) and m for m in errors), f"{prefix}: {errors!r}"
        return {prefix}
    assert isinstance(errors, dict), f"{prefix or 'errors'}: {errors!r} is not an object"
    assert errors, f"{prefix or 'errors'}: an empty object"
    paths: set[str] = set()
    for name, inner in errors.items():
        paths |= error_paths(inner, f"{prefix}.{name}" if prefix else str(name))
    return paths


def expect_invalid(reply: Reply, *paths: str) -> dict[str, Any]:
    """A 422 ``validation-error`` whose ``errors`` hold messages at exactly these dotted
    paths (``"lines.0.quantity"``) and nowhere else; returns the problem body."""
    body = expect_problem(reply, 422, "validation-error")
    assert "errors" in body, str(reply)
    assert error_paths(body["errors"]) == set(paths), str(reply)
    return body


# --- nothing changed --------------------------------------------------------------------------


@contextmanager
def unchanged(
    shop: Shop,
    skus: Iterable[str] = (),
    order_ids: Iterable[str] = (),
    customers: Iterable[str] = (),
    *,
    orders: Iterable[Order] = (),
    catalogue: bool = False,
) -> Iterator[None]:
    """Assert the block changes nothing a client can see: these products, these orders, the
    orders listed for these customers (so no order was created for them), every event, and
    with ``catalogue`` the whole product list. Each of ``orders`` (order bodies) adds its id,
    the SKUs of its lines and its customer."""
    skus, order_ids, customers = list(skus), list(order_ids), list(customers)
    for order in orders:
        skus += [line["sku"] for line in order["lines"]]
        order_ids.append(order["id"])
        customers.append(order["customer_id"])
    before = shop.snapshot(skus, order_ids, customers, catalogue, reuse=True)
    yield
    assert shop.snapshot(skus, order_ids, customers, catalogue) == before, (
        "the refused request changed something"
    )


# --- orders and events ------------------------------------------------------------------------


def line_of(sku: str, quantity: int, unit_price: str) -> dict[str, Any]:
    """An order line as the order body shows it; ``line_total`` is unit price x quantity."""
    line_total = (Decimal(unit_price) * quantity).quantize(CENT)
    return {
        "sku": sku,
        "quantity": quantity,
        "unit_price": unit_price,
        "line_total": f"{line_total}",
    }


def event_lines(lines: Iterable[tuple[str, int, str]]) -> list[dict[str, Any]]:
    """Event ``lines`` data for (sku, quantity, unit_price) triples: sorted by SKU."""
    return [
        {"sku": sku, "quantity": quantity, "unit_price": price}
        for sku, quantity, price in sorted(lines)
    ]


def _expect_utc_time(stamp: Any) -> datetime:
    assert isinstance(stamp, str), stamp
    assert RFC3339_UTC.fullmatch(stamp), stamp
    moment = datetime.fromisoformat(stamp)
    assert moment.utcoffset() == timedelta(0), stamp
    return moment


def _expect_utc_time_of_about_now(stamp: Any) -> None:
    """An RFC 3339 UTC time within the hour: a local time marked ``Z`` is hours off in any
    zone far from UTC (the mutation benchmark runs the suite in one)."""
    moment = _expect_utc_time(stamp)
    assert abs(datetime.now(UTC) - moment) < timedelta(hours=1), stamp


def expect_order_shape(order: Order) -> None:
    """The fields of an order body, with ``created_at`` an RFC 3339 UTC time of about now."""
    assert set(order) == ORDER_FIELDS, sorted(order)
    assert isinstance(order["id"], str)
    assert 1 <= len(order["id"]) <= 64
    _expect_utc_time_of_about_now(order["created_at"])


def expect_event_shape(event: dict[str, Any]) -> None:
    """``{"seq", "type", "order_id", "occurred_at", "data"}``, ``occurred_at`` an RFC 3339
    UTC time of about now (every case checks events it has just caused)."""
    assert set(event) == EVENT_FIELDS, event
    assert isinstance(event["seq"], int), event
    assert not isinstance(event["seq"], bool), event
    assert isinstance(event["order_id"], str), event
    assert isinstance(event["data"], dict), event
    _expect_utc_time_of_about_now(event["occurred_at"])


def expect_one_new_event(
    shop: Shop, order_id: str, before: list[dict[str, Any]], event_type: str
) -> dict[str, Any]:
    """Exactly one event of ``event_type`` recorded for ``order_id`` since its events were
    ``before`` (those unchanged), well formed; returns it."""
    events = shop.events_of(order_id)
    assert events[: len(before)] == before
    new = events[len(before) :]
    assert len(new) == 1, new
    (event,) = new
    expect_event_shape(event)
    assert event["order_id"] == order_id, event
    assert event["type"] == event_type, event
    return event


def expect_amended(
    shop: Shop,
    order_id: str,
    before: list[dict[str, Any]],
    lines: Iterable[tuple[str, int, str]],
    total: str,
) -> None:
    """Exactly one ``OrderAmended`` event for ``order_id`` since ``before``, with this data."""
    event = expect_one_new_event(shop, order_id, before, "OrderAmended")
    assert event["data"] == {"lines": event_lines(lines), "total": total}, event


# --- one case, many variations ----------------------------------------------------------------


class Failures:
    """Collects failed checks so one case reports every variation that broke the rule."""

    def __init__(self) -> None:
        self.found: list[str] = []

    @contextmanager
    def check(self, label: str) -> Iterator[None]:
        try:
            yield
        except AssertionError as failure:
            self.found.append(f"{label}: {failure}")

    def assert_none(self) -> None:
        assert not self.found, f"{len(self.found)} failed:\n" + "\n".join(self.found)
