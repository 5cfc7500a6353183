"""Exercise 03, new behaviour over time: unpaid orders expire (rules E1-E6 of the README).

An order still ``PENDING_PAYMENT`` a set time (``after``) past its ``created_at`` is cancelled
with ``cancel_reason`` ``"expired"``, its stock returned once and ``OrderCancelled`` recorded,
by ``kata expire``, which calls the variant's ``app.extensions["kata.expire"](now, after)``.

No case sleeps: each builds the variant's app on a fresh database, places orders over HTTP
(every reply checked against ``docs/openapi.yaml``), reads their ``created_at`` and calls the
expiry with a ``now`` of its own choosing, an hour or a day ahead of the real clock. One case
runs the real ``kata expire`` command. Run with ``pytest --exercise 03 --variant NAME``
(``kata exercise check 03 --variant NAME`` adds the shared suite and the contracts).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import kata
from kata import variants
from tests.acceptance.conftest import Target
from tests.acceptance.contract import check_reply
from tests.acceptance.driver import CheckingDriver, InProcessDriver, Reply
from tests.acceptance.dsl import Order, Shop
from tests.acceptance.expectations import body_of, expect_event_shape, expect_problem
from tests.backends import fresh_database

EXPIRE = "kata.expire"  # where the app offers the expiry (README, E6)
AFTER = timedelta(minutes=60)  # kata expire's default
SECOND = timedelta(seconds=1)
# What an expiry may change on an order; the rest of it must stay as it was.
LIFECYCLE_FIELDS = ("status", "cancel_reason", "refund_due")
OUTPUT = re.compile(r"^kata: expired (?P<count>\d+) unpaid order\(s\) placed at or before \S+$")
COMMAND_TIMEOUT_SECONDS = 60
RACES = 4  # orders raced at once, each by the expiry and by a client
BARRIER_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Service:
    """A variant's app on a fresh database: the shop over HTTP, the expiry in process."""

    app: Flask
    shop: Shop
    database_url: str

    def expire(self, now: datetime, after: timedelta = AFTER) -> int:
        """Run the expiry as ``kata expire`` does: what is due at ``now``; how many expired."""
        expiry: Callable[..., Any] | None = self.app.extensions.get(EXPIRE)
        assert expiry is not None, (
            f'the app offers no app.extensions["{EXPIRE}"]: see "The interface" in the README'
        )
        expired = expiry(now=now, after=after)
        assert type(expired) is int, f"kata.expire returned {expired!r}, not the number expired"
        return expired


@pytest.fixture
def service(target: Target, tmp_path: Path) -> Iterator[Service]:
    if target.backend == "live":
        pytest.skip(
            "a live server is known only by its URL: its clock and its database are not ours "
            "to drive (run kata expire against its database instead)"
        )
    assert target.variant is not None
    with fresh_database(target.backend, tmp_path) as url:
        app = variants.create_app(target.variant, url)
        try:
            yield Service(app, Shop(CheckingDriver(InProcessDriver(app), check_reply)), url)
        finally:
            variants.close_app(app)


def placed_at(order: Order) -> datetime:
    """An order's ``created_at`` (RFC 3339, to the millisecond: never after the stored time)."""
    return datetime.fromisoformat(order["created_at"])


def due_time(*orders: Order, after: timedelta = AFTER) -> datetime:
    """A moment at which every one of ``orders`` has been placed at least ``after`` ago."""
    return max(placed_at(order) for order in orders) + after + SECOND


def without_lifecycle(order: Order) -> dict[str, Any]:
    return {name: value for name, value in order.items() if name not in LIFECYCLE_FIELDS}


def expect_expired(shop: Shop, placed: Order) -> None:
    """``placed`` is now cancelled as expired, otherwise as it was, with its stock back and
    exactly one new event: ``OrderCancelled`` with reason ``expired`` and no refund due."""
    seen = shop.order(placed["id"])
    assert {name: seen[name] for name in LIFECYCLE_FIELDS} == {
        "status": "CANCELLED",
        "cancel_reason": "expired",
        "refund_due": False,
    }, seen
    assert without_lifecycle(seen) == without_lifecycle(placed), "only its lifecycle changes"
    events = shop.events_of(placed["id"])
    assert [event["type"] for event in events] == ["OrderPlaced", "OrderCancelled"], events
    expect_event_shape(events[-1])
    assert events[-1]["data"] == {"reason": "expired", "refund_due": False}, events[-1]


def test_an_order_still_unpaid_after_the_time_is_cancelled_as_expired(service: Service) -> None:
    """E1: an order still PENDING_PAYMENT `after` past its created_at expires: CANCELLED with
    cancel_reason "expired" and refund_due false, every reserved unit back in stock (O8), one
    OrderCancelled {"reason": "expired", "refund_due": false}; the call returns 1."""
    shop = service.shop
    pen, ink = shop.add_product(stock=10), shop.add_product(stock=5)
    order = shop.placed_order([(pen, 3), (ink, 5)])
    assert (shop.stock_of(pen), shop.stock_of(ink)) == (7, 0)

    expired = service.expire(now=due_time(order))

    assert expired == 1
    expect_expired(shop, order)
    assert (shop.stock_of(pen), shop.stock_of(ink)) == (10, 5)


def test_the_time_is_the_callers_and_a_younger_order_is_untouched(service: Service) -> None:
    """E1, E2: an order placed less than `after` before `now` is not touched (nothing changes,
    no event); the same order at the same `now` expires under a shorter `after`."""
    shop = service.shop
    sku = shop.add_product(stock=10)
    order = shop.placed_order([(sku, 2)])
    half_an_hour_later = placed_at(order) + timedelta(minutes=30)
    before = shop.snapshot([sku], [order["id"]])

    assert service.expire(now=half_an_hour_later - SECOND, after=timedelta(minutes=30)) == 0
    assert service.expire(now=half_an_hour_later, after=AFTER) == 0

    assert shop.snapshot([sku], [order["id"]]) == before, "an expiry changed a younger order"
    assert service.expire(now=half_an_hour_later + SECOND, after=timedelta(minutes=30)) == 1
    expect_expired(shop, order)


def test_now_may_be_given_with_any_offset(service: Service) -> None:
    """E6: `now` is a timezone-aware datetime; the instant decides, not the offset it is
    written with (a second too early at +02:00 expires nothing, a second late at -05:00 does),
    though created_at is stored in UTC."""
    shop = service.shop
    order = shop.placed_order([(shop.add_product(stock=10), 2)])
    east, west = timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))

    assert service.expire(now=(due_time(order) - 2 * SECOND).astimezone(east)) == 0
    assert service.expire(now=due_time(order).astimezone(west)) == 1

    expect_expired(shop, order)


def test_paid_shipped_and_cancelled_orders_are_untouched(service: Service) -> None:
    """E2: only PENDING_PAYMENT orders expire; PAID, SHIPPED and CANCELLED orders of the same
    age keep their state, their products keep their stock, and none records an event."""
    shop = service.shop
    others = [shop.order_in_state(state) for state in ("PAID", "SHIPPED", "CANCELLED")]
    pending = shop.order_in_state("PENDING_PAYMENT")
    skus = [order["lines"][0]["sku"] for order in others]
    ids = [order["id"] for order in others]

    def others_now() -> tuple[Any, ...]:
        seen = shop.snapshot(skus, ids)
        events = [event for event in seen["events"] if event["order_id"] in ids]
        return seen["products"], seen["orders"], events

    before = others_now()

    assert service.expire(now=due_time(*others, pending)) == 1

    assert others_now() == before, "an expiry changed an order that was not PENDING_PAYMENT"
    expect_expired(shop, pending)


def test_a_second_run_expires_nothing_and_changes_nothing(service: Service) -> None:
    """E3: an expired order is final; running the expiry again, at the same `now` or a day
    later, returns 0 and changes nothing: no stock comes back twice (O8), no second event."""
    shop = service.shop
    sku = shop.add_product(stock=10)
    orders = [shop.placed_order([(sku, 2)]), shop.placed_order([(sku, 3)])]
    now = due_time(*orders)
    assert service.expire(now=now) == 2
    assert shop.stock_of(sku) == 10
    before = shop.snapshot([sku], [order["id"] for order in orders])

    assert service.expire(now=now) == 0
    assert service.expire(now=now + timedelta(days=1)) == 0

    assert shop.snapshot([sku], [order["id"] for order in orders]) == before
    for order in orders:
        expect_expired(shop, order)


def test_an_expired_order_refuses_payment_cancellation_and_amendment(service: Service) -> None:
    """E3, O7: an expired order is CANCELLED, which is final: a payment, a failed payment, a
    cancellation, an amendment and a shipment are refused 409 invalid-state; nothing changes."""
    shop = service.shop
    sku = shop.add_product(stock=10)
    order = shop.placed_order([(sku, 2)])
    assert service.expire(now=due_time(order)) == 1
    before = shop.snapshot([sku], [order["id"]])

    for refused in (
        shop.pay(order["id"], order["total"]),
        shop.fail_payment(order["id"], order["total"]),
        shop.cancel(order["id"]),
        shop.set_line(order["id"], sku, 3),
        shop.ship(order["id"]),
    ):
        expect_problem(refused, 409, "invalid-state")

    assert shop.snapshot([sku], [order["id"]]) == before


def together(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run every call on its own thread, released at once by a barrier; results in order."""
    barrier = threading.Barrier(len(calls), timeout=BARRIER_TIMEOUT_SECONDS)

    def start(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(start, calls))


@pytest.mark.parametrize(
    "rival", ["pay", "fail payment", "cancel"], ids=lambda rival: rival.replace(" ", "-")
)
def test_an_expiry_racing_a_client_lets_one_win_and_returns_stock_once(
    service: Service, rival: str
) -> None:
    """E4: orders due to expire, each raced by a payment, a failed payment or a cancellation:
    per order exactly one wins. If the expiry wins, the client gets 409 invalid-state; if the
    client wins, the expiry leaves the order alone and does not count it. Stock comes back
    once per cancelled order and never for a paid one; each order records one outcome."""
    shop = service.shop
    sku = shop.add_product(stock=100)
    orders = [shop.placed_order([(sku, 2)]) for _ in range(RACES)]
    now = due_time(*orders)

    def expire() -> int:
        return service.expire(now=now)

    def act(order: Order) -> Callable[[], Reply]:
        return lambda: shop.act(rival, order)

    expired, *replies = together([expire, *(act(order) for order in orders)])

    expired_ids = []
    for order, reply in zip(orders, replies, strict=True):
        seen = shop.order(order["id"])
        types = [event["type"] for event in shop.events_of(order["id"])]
        if seen["cancel_reason"] == "expired":  # the expiry won
            expired_ids.append(order["id"])
            expect_problem(reply, 409, "invalid-state")
            assert types == ["OrderPlaced", "OrderCancelled"], types
        else:  # the client won
            assert reply.status == 200, f"the client won, so its request succeeded: {reply}"
            won = body_of(reply, 200)
            assert (seen["status"], seen["cancel_reason"]) == (won["status"], won["cancel_reason"])
            assert types == ["OrderPlaced", "OrderPaid" if rival == "pay" else "OrderCancelled"]
    assert expired == len(expired_ids), "the expiry counts the orders it expired, no others"
    still_held = 0 if rival != "pay" else 2 * (RACES - len(expired_ids))
    assert shop.stock_of(sku) == 100 - still_held, "stock came back other than once"


def kata_expire(variant: str, database_url: str, *options: str) -> str:
    """Run ``kata expire VARIANT --database-url URL OPTIONS`` (this checkout's kata, this
    Python); returns what it printed, after checking it succeeded."""
    checkout = Path(kata.__file__).resolve().parents[1]
    path = os.pathsep.join(filter(None, [str(checkout), os.environ.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "kata.cli", "expire", variant, "--database-url", database_url]
    done = subprocess.run(
        [*command, *options],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


def expired_count(output: str) -> int:
    """The N of the line ``kata: expired N unpaid order(s) placed at or before <time>``."""
    found = [match for line in output.splitlines() if (match := OUTPUT.match(line.strip()))]
    assert len(found) == 1, f"expected one 'kata: expired N unpaid order(s) ...' line:\n{output}"
    return int(found[0]["count"])


def test_kata_expire_on_the_command_line(service: Service, target: Target) -> None:
    """E5: `kata expire VARIANT --database-url URL` expires what is due on that database and
    prints how many: with the defaults (60 minutes, the real time) a new order is not due;
    with --after 30 --now <31 minutes after its placement> it expires."""
    assert target.variant is not None
    shop = service.shop
    sku = shop.add_product(stock=10)
    order = shop.placed_order([(sku, 4)])
    now = due_time(order, after=timedelta(minutes=30))

    untouched = kata_expire(target.variant, service.database_url)
    expired = kata_expire(
        target.variant,
        service.database_url,
        "--after",
        "30",
        "--now",
        now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    )

    assert expired_count(untouched) == 0
    assert expired_count(expired) == 1
    expect_expired(shop, order)
    assert shop.stock_of(sku) == 10
