"""Exercise 07, a new read model over the past: best-selling products (rules B1-B6 of the README).

``GET /reports/best-sellers?days=N&until=T&limit=K`` ranks the products by the units of the
orders sold (``PAID`` or ``SHIPPED``) that were placed in the ``days`` before ``until``.

No case sleeps: ``until`` is a parameter, so a case places its orders now and asks about a
window that ends a millisecond before or after them, or days later. The report is not part
of ``docs/openapi.yaml`` (see the README): its replies are checked here, against the README's
rules; every other reply is checked against the contract, as in the shared suite. The last
case "deploys" the report on a database whose orders were placed before it existed. Run with
``pytest --exercise 07 --variant NAME`` (``kata exercise check 07 --variant NAME`` adds the
shared suite and the contracts).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import MetaData, create_engine

from kata import cli, variants
from tests.acceptance.conftest import Target
from tests.acceptance.contract import check_reply
from tests.acceptance.driver import CheckingDriver, Driver, InProcessDriver, Reply
from tests.acceptance.dsl import Order, Shop
from tests.acceptance.expectations import Failures, body_of, expect_invalid, expect_problem
from tests.backends import fresh_database

REPORT = "/reports/best-sellers"
MILLISECOND = timedelta(milliseconds=1)
DAY = timedelta(days=1)
DEFAULT_DAYS, DEFAULT_LIMIT = 7, 10  # B5
# B1: every time of the contract, in UTC with Z, to the millisecond.
TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
# The variants whose state is a log of events, projected into read models (or a copy of one).
EVENT_LOGS = frozenset({"event_sourced"})

Ranking = list[tuple[str, int]]  # (sku, units), in the order the report lists them


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    ranking: Ranking


class Reports:
    """The report over HTTP. Not checked against ``docs/openapi.yaml``, which does not
    document it: :meth:`best_sellers` checks the shape B1 and B4 give it instead."""

    def __init__(self, driver: Driver) -> None:
        self._driver = driver

    def ask(self, *pairs: tuple[str, Any], method: str = "GET") -> Reply:
        """The report's reply for these query parameters (a name may repeat)."""
        query = urlencode([(name, str(value)) for name, value in pairs], quote_via=quote)
        return self._driver.send(method, f"{REPORT}?{query}" if query else REPORT)

    def best_sellers(self, **params: Any) -> Report:
        """The report for these parameters (a ``datetime`` as RFC 3339), its shape checked."""
        pairs = [
            (name, rfc3339(value) if isinstance(value, datetime) else value)
            for name, value in params.items()
        ]
        reply = self.ask(*pairs)
        body = body_of(reply, 200)
        assert reply.content_type == "application/json", str(reply)
        assert set(body) == {"since", "until", "best_sellers"}, str(reply)
        assert isinstance(body["best_sellers"], list), str(reply)
        ranking = []
        for entry in body["best_sellers"]:
            assert isinstance(entry, dict), str(reply)
            assert set(entry) == {"sku", "units"}, str(reply)
            assert isinstance(entry["sku"], str), str(reply)
            assert type(entry["units"]) is int, str(reply)
            assert entry["units"] >= 1, str(reply)
            ranking.append((entry["sku"], entry["units"]))
        return Report(utc_time(body["since"]), utc_time(body["until"]), ranking)

    def ranking(self, **params: Any) -> Ranking:
        return self.best_sellers(**params).ranking


def utc_time(text: Any) -> datetime:
    assert isinstance(text, str), text
    assert TIME.fullmatch(text), f"{text!r} is not an RFC 3339 UTC time to the millisecond"
    return datetime.fromisoformat(text)


def rfc3339(moment: datetime) -> str:
    """``moment`` as the README's ``until`` takes it, with its own offset (``Z`` for UTC)."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def placed_at(order: Order) -> datetime:
    """When the order was placed, as it shows it: to the millisecond, truncated, so never
    after the time the shop stored (which may hold microseconds)."""
    return datetime.fromisoformat(order["created_at"])


def sold(shop: Shop, lines: list[tuple[str, int]], state: str = "PAID") -> Order:
    """A new order of ``lines``, paid (and shipped, for ``SHIPPED``)."""
    return shop.order_in_state(state, lines)


@pytest.fixture
def reports(target: Target, request: pytest.FixtureRequest) -> Reports:
    """The report, on the case's in-process app (the one ``shop`` talks to)."""
    if target.backend == "live":
        pytest.skip(
            "the report ranks the whole shop: its cases need a database of their own, "
            "not a live server's"
        )
    driver: Driver = request.getfixturevalue("driver")
    return Reports(driver)


def test_the_report_ranks_products_by_units_sold_most_first_and_equal_units_by_sku(
    reports: Reports, shop: Shop
) -> None:
    """B1, B4: units summed per SKU over the sold orders, most first, equal units by SKU; a
    product never sold is not listed. The window ends now and is 7 days long by default.
    B6: asking changes nothing and records no event."""
    pen, ink = shop.add_product(label="PEN"), shop.add_product(label="INK")
    tie_b, tie_a = shop.add_product(label="TIE-B"), shop.add_product(label="TIE-A")
    shop.add_product(label="UNSOLD")
    sold(shop, [(pen, 3), (tie_b, 4)])
    sold(shop, [(pen, 2), (ink, 1)], "SHIPPED")
    sold(shop, [(tie_a, 4)])
    seq = shop.last_event_seq()

    first, second = reports.best_sellers(), reports.best_sellers()

    assert first.ranking == [(pen, 5), (tie_a, 4), (tie_b, 4), (ink, 1)]
    assert first.until - first.since == DEFAULT_DAYS * DAY
    assert second.ranking == first.ranking
    assert shop.last_event_seq() == seq, "asking for the report recorded an event"


def test_only_orders_paid_for_and_not_cancelled_since_are_sold(
    reports: Reports, shop: Shop
) -> None:
    """B2: PAID and SHIPPED orders are sold; PENDING_PAYMENT ones (not paid yet) and
    CANCELLED ones (never paid, or paid and refunded) are not. The report follows an order
    through its life: absent until paid, present while paid, absent again once cancelled."""
    skus = {state: shop.add_product(label=state) for state in ("PAID", "SHIPPED", "OTHER")}
    sold(shop, [(skus["PAID"], 2)])
    sold(shop, [(skus["SHIPPED"], 3)], "SHIPPED")
    shop.placed_order([(skus["OTHER"], 1)])  # still PENDING_PAYMENT
    shop.order_in_state("CANCELLED", [(skus["OTHER"], 4)])  # by the customer, unpaid
    failed = shop.placed_order([(skus["OTHER"], 5)])
    body_of(shop.fail_payment(failed["id"], failed["total"]), 200)
    refunded = sold(shop, [(skus["OTHER"], 6)])
    assert body_of(shop.cancel(refunded["id"]), 200)["refund_due"] is True
    sku = shop.add_product(label="LATER")
    order = shop.placed_order([(sku, 7)])
    expected = [(skus["SHIPPED"], 3), (skus["PAID"], 2)]

    unpaid = reports.ranking()
    shop.move_to(order, "PAID")
    paid = reports.ranking()
    body_of(shop.cancel(order["id"]), 200)
    refunded_later = reports.ranking()

    assert unpaid == expected
    assert paid == [(sku, 7), *expected]
    assert refunded_later == expected


def test_an_amended_order_counts_the_quantities_it_was_paid_for(
    reports: Reports, shop: Shop
) -> None:
    """B2: a sold order counts its lines as they are, after every amendment made before it
    was paid: a lowered line its new quantity, an added line, a removed line nothing."""
    pen, ink, pad = (shop.add_product(label=label) for label in ("PEN", "INK", "PAD"))
    order = shop.placed_order([(pen, 5), (ink, 1)])
    for amended in (
        shop.set_line(order["id"], pen, 2),
        shop.set_line(order["id"], pad, 3),
        shop.remove_line(order["id"], ink),
    ):
        order = body_of(amended, 200)

    shop.move_to(order, "PAID")

    assert reports.ranking() == [(pad, 3), (pen, 2)]


def test_the_window_is_the_days_before_until_by_the_time_an_order_was_placed(
    reports: Reports, shop: Shop
) -> None:
    """B3: an order counts when since <= created_at < until, with since = until - days x 24 h.
    The order shows created_at truncated to the millisecond (the shop may store it finer), so
    each bound is put on that time and a millisecond past it: a window ending there does not
    hold the order yet, one starting there does, and a millisecond later either answer
    changes. `until` may be written with any offset: the instant decides, and the report
    shows it in UTC (B1). `days` is 7 unless given."""
    sku = shop.add_product()
    placed = placed_at(sold(shop, [(sku, 2)]))
    counted = [(sku, 2)]
    east = timezone(timedelta(hours=2))
    failures = Failures()

    windows: list[tuple[str, datetime, int | None, Ranking]] = [
        ("until the time it was placed", placed, 1, []),
        ("until a millisecond later", placed + MILLISECOND, 1, counted),
        ("since the time it was placed", placed + DAY, 1, counted),
        ("since a millisecond later", placed + DAY + MILLISECOND, 1, []),
        ("3 days, since then", placed + 3 * DAY, 3, counted),
        ("3 days, since a millisecond later", placed + 3 * DAY + MILLISECOND, 3, []),
        ("7 days by default", placed + 7 * DAY, None, counted),
        ("7 days by default, a millisecond later", placed + 7 * DAY + MILLISECOND, None, []),
        ("until written at +02:00", (placed + MILLISECOND).astimezone(east), 1, counted),
        ("until written at +02:00, too early", placed.astimezone(east), 1, []),
    ]
    for label, until, days, expected in windows:
        with failures.check(label):
            given = {} if days is None else {"days": days}
            report = reports.best_sellers(until=until, **given)
            assert report.ranking == expected
            shown = (report.since, report.until)
            assert shown == (until - (days or DEFAULT_DAYS) * DAY, until), "the window shown"
    failures.assert_none()


def test_without_until_the_window_ends_when_the_report_is_asked(
    reports: Reports, shop: Shop
) -> None:
    """B1: with no `until`, the window ends at the time the request is answered, so an order
    placed a moment ago is counted; `since` is `days` before it."""
    sku = shop.add_product()
    sold(shop, [(sku, 4)])

    now = datetime.now(UTC)
    before = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as the report shows it
    report = reports.best_sellers(days=1)
    after = datetime.now(UTC)

    assert report.ranking == [(sku, 4)]
    assert before <= report.until <= after
    assert report.since == report.until - DAY


def test_limit_keeps_the_first_of_the_ranking(reports: Reports, shop: Shop) -> None:
    """B4, B5: at most `limit` entries, the first of the ranking; 10 unless given."""
    skus = [shop.add_product(label=f"P{units:02d}") for units in range(1, 13)]
    sold(shop, [(sku, units) for units, sku in enumerate(skus, 1)])
    ranking = [(sku, units) for units, sku in reversed(list(enumerate(skus, 1)))]

    assert reports.ranking() == ranking[:DEFAULT_LIMIT]
    assert reports.ranking(limit=3) == ranking[:3]
    assert reports.ranking(limit=1) == ranking[:1]
    assert reports.ranking(limit=100) == ranking


BAD_PARAMETERS = {
    "days": ["0", "367", "-1", "+5", " 5", "5.0", "1e2", "seven", "\u0665", "1" * 19],
    "limit": ["0", "101", "-3", "ten", "2.5"],
    "until": [
        "2026-12-07",  # a date alone
        "2026-12-07T00:00:00",  # no offset
        "2026-12-07 00:00:00Z",  # a space for T
        "2026-12-07t00:00:00z",  # lower case
        "20261207T000000Z",  # ISO 8601's basic format
        "2026-12-07T00:00Z",  # no seconds
        "2026-12-07T24:00:00Z",
        "2026-12-07T23:59:60Z",  # a leap second
        "2026-02-30T00:00:00Z",
        "2026-12-07T00:00:00.1234567Z",  # seven fraction digits
        "2026-12-07T00:00:00+24:00",
        "2026-12-07T00:00:00+0200",
        "2026-12-07T00:00:00.Z",
        "\u0662026-12-07T00:00:00Z",  # a non-ASCII digit
        "1969-12-31T23:59:59.999Z",
        "1970-01-01T00:30:00+01:00",  # 1969 in UTC
        "9999-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "now",
    ],
}
GOOD_PARAMETERS = [
    [("days", "1")],
    [("days", "366")],
    [("days", "0007")],
    [("limit", "1")],
    [("limit", "100")],
    [("until", "1970-01-01T00:00:00Z")],
    [("until", "1970-01-01T01:00:00+01:00")],
    [("until", "9998-12-31T23:59:59.999999Z")],
    [("until", "2026-12-07T00:00:00.5-00:00")],
    [("until", "2026-12-07T12:00:00-11:59")],
    [("month", "12"), ("days", "3")],  # unknown parameters are ignored
]


def test_bad_parameters_are_refused_with_a_validation_error(reports: Reports) -> None:
    """B5: a bad `days`, `limit` or `until`, an empty value or a parameter given twice is a
    422 validation-error under the parameter's name, every bad one at once; good values at the
    edges are taken; any method but GET is 405 with an Allow header."""
    failures = Failures()
    for name, values in BAD_PARAMETERS.items():
        for value in [*values, ""]:
            with failures.check(f"{name}={value!r}"):
                expect_invalid(reports.ask((name, value)), name)
        with failures.check(f"{name} twice"):
            good = {"days": "1", "limit": "1", "until": "2026-12-07T00:00:00Z"}[name]
            expect_invalid(reports.ask((name, good), (name, good)), name)
    with failures.check("all three at once"):
        expect_invalid(
            reports.ask(("days", "0"), ("limit", "0"), ("until", "x")), "days", "limit", "until"
        )
    for pairs in GOOD_PARAMETERS:
        with failures.check(f"good: {pairs}"):
            body_of(reports.ask(*pairs), 200)
    with failures.check("POST"):
        refused = reports.ask(method="POST")
        expect_problem(refused, 405, "method-not-allowed")
        assert "GET" in refused.headers.get("allow", ""), str(refused)
    failures.assert_none()


# --- deploying the report on a database that holds the past ---------------------------------


def keeps_a_log(variant: str) -> bool:
    """Whether ``variant``'s state is a log of events with read models projected from it."""
    space = variants.workspace(variant)
    return (variant if space is None else space.origin) in EVENT_LOGS


@contextmanager
def serving(variant: str, url: str) -> Iterator[tuple[Shop, Reports]]:
    """The variant's app on ``url`` for a while: the shop (its replies checked against the
    contract) and the report."""
    app = variants.create_app(variant, url)
    try:
        driver = InProcessDriver(app)
        yield Shop(CheckingDriver(driver, check_reply)), Reports(driver)
    finally:
        variants.close_app(app)


def keep_only_the_log(variant: str, url: str) -> None:
    """Drop every table but the log's: what the database held before the report existed that
    matters, since every read model is a projection of the log."""
    log = importlib.import_module(f"{variants.package(variant)}.eventstore.tables").metadata
    engine = create_engine(url)
    try:
        found = MetaData()
        found.reflect(engine)
        read_side = [table for table in found.sorted_tables if table.name not in log.tables]
        found.drop_all(engine, tables=read_side)
    finally:
        engine.dispose()


@pytest.fixture
def own_database(target: Target, tmp_path: Path) -> Iterator[str]:
    if target.backend == "live":
        pytest.skip("a live server's database is not ours to deploy a change on")
    with fresh_database(target.backend, tmp_path) as url:
        yield url


def test_orders_placed_before_the_report_was_deployed_are_counted(
    target: Target, own_database: str
) -> None:
    """B6: the report answers for the shop's past. Orders placed, paid, amended and cancelled
    before the change count as later ones do once it is deployed. A variant whose state is
    rows reads them as they are. In a variant whose state is a log, the change meets a
    database whose read models know nothing of the report: here only its log is kept, the new
    read model starts empty, and `kata projections rebuild` projects the whole log into it."""
    variant, url = target.variant, own_database
    assert variant is not None
    with serving(variant, url) as (shop, _):
        pen, ink = shop.add_product(label="PEN"), shop.add_product(label="INK")
        order = shop.placed_order([(pen, 4), (ink, 2)])
        body_of(shop.set_line(order["id"], pen, 1), 200)
        shop.move_to(shop.order(order["id"]), "SHIPPED")
        sold(shop, [(ink, 3)])
        shop.order_in_state("CANCELLED", [(pen, 9)])
        expected = [(ink, 5), (pen, 1)]

    if keeps_a_log(variant):
        keep_only_the_log(variant, url)
        with serving(variant, url) as (_, reports):
            assert reports.ranking() == [], "before the rebuild, the new read model is empty"
        assert cli.main(["projections", "rebuild", variant, "--database-url", url]) == 0

    with serving(variant, url) as (shop, reports):
        assert reports.ranking() == expected
        later = sold(shop, [(pen, 6)])
        assert reports.ranking() == [(pen, 7), (ink, 5)], f"and the next order: {later['id']}"
