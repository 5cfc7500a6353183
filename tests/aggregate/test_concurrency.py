"""Optimistic concurrency in the aggregate variant: stale writes refused, lost races retried.

Every aggregate root is saved with ``UPDATE … WHERE version = :seen``. Three kinds of
evidence, none of them depending on timing (no sleeps):

* interleaving: two units of work load one aggregate; the second changes it and commits; the
  first changes it and commits: ``Conflict``, and the database keeps the second's write and
  nothing of the first (no order, no event, no stock moved twice);
* a bounded retry: units of work that lose their first commits (a wrapper on the public
  ``UnitOfWork`` port) make ``@use_case`` run again on fresh data, at most ``ATTEMPTS``
  times; then HTTP answers 409 ``concurrent-modification``, never 500;
* a PostgreSQL stress: clients placing and cancelling orders on scarce stock all at once.

SQLite takes its write lock when a unit of work opens (``BEGIN IMMEDIATE``), so two of its
units of work never interleave: the second waits until the first is over. There the same
refusal is shown one level down, with the public repositories on two connections of the
variant's own engine: one loads, the other saves and commits, then the first saves.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from werkzeug.test import TestResponse

from kata import variants
from kata.aggregate.application import catalogue, ordering, unit
from kata.aggregate.application.errors import ConcurrentModification
from kata.aggregate.application.ports import (
    Conflict,
    EventRecord,
    IdempotencyKeys,
    OrderRepository,
    ProductRepository,
    UnitOfWork,
    UnitOfWorkFactory,
)
from kata.aggregate.application.unit import ATTEMPTS
from kata.aggregate.domain import ordering as domain
from kata.aggregate.domain.order import Order
from kata.aggregate.domain.values import Quantity, Sku
from kata.aggregate.infrastructure.database import Database
from kata.aggregate.infrastructure.repositories import SqlOrderRepository, SqlProductRepository
from kata.aggregate.infrastructure.tables import products
from kata.aggregate.infrastructure.unit_of_work import SqlUnitOfWork
from kata.aggregate.presentation.wiring import UNITS_OF_WORK
from tests.backends import (
    LOCK_NOT_AVAILABLE,
    backends,
    fresh_database,
    fresh_postgres_or_skip,
    lock_row_now,
)

T = TypeVar("T")
UNIT_LOGGER = "kata.aggregate.application.unit"
PROBLEM = "urn:kata:problem:"
PRICE = Decimal("2.50")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

# --- databases --------------------------------------------------------------------------------


@pytest.fixture(params=backends())
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as found:
        yield found


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """Two units of work interleave only on PostgreSQL; SQLite runs one writer at a time."""
    with fresh_postgres_or_skip() as found:
        yield found


@contextmanager
def _opened(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        database.create_schema()
        yield database
    finally:
        database.close()


@pytest.fixture
def database(url: str) -> Iterator[Database]:
    with _opened(url) as opened:
        yield opened


@pytest.fixture
def postgres(postgres_url: str) -> Iterator[Database]:
    with _opened(postgres_url) as opened:
        yield opened


def _units(database: Database) -> UnitOfWorkFactory:
    return functools.partial(SqlUnitOfWork, database)


def _units_selling(database: Database, sku: str, name: str, stock: int) -> UnitOfWorkFactory:
    """Units of work on a database whose catalogue holds one product, ``stock`` units of it."""
    units = _units(database)
    catalogue.register_product(units, sku, name, PRICE, stock)
    return units


def _loaded(aggregate: T | None) -> T:
    """What a repository's ``get`` found: the tests only load aggregates that exist."""
    assert aggregate is not None
    return aggregate


# --- reading what the database holds ----------------------------------------------------------


def _stock(units: UnitOfWorkFactory, sku: str) -> int:
    return catalogue.get_product(units, sku).stock


def _events(units: UnitOfWorkFactory) -> list[tuple[str, str]]:
    """Every stored event as (type, order id), in seq order."""
    with units() as uow:
        return [(event.type, event.order_id) for event in uow.events_after(0, 1000)]


def _order_ids(units: UnitOfWorkFactory, customer_id: str) -> list[str]:
    return [order.id for order in ordering.list_orders(units, customer_id, None, 200)]


# --- 1. interleaving: the second commits, the first is refused --------------------------------


def test_a_placement_on_stock_read_before_a_rival_placement_committed_is_refused(
    postgres: Database,
) -> None:
    units = _units_selling(postgres, "LAST", "Last units", stock=5)

    with units() as first, units() as second:
        seen_by_first = _loaded(first.products.get(Sku("LAST")))
        seen_by_second = _loaded(second.products.get(Sku("LAST")))
        assert seen_by_first.stock == seen_by_second.stock == 5

        winner = domain.place_order("winner", [(seen_by_second, Quantity(3))], 0, NOW)
        second.orders.add(winner)
        second.commit()

        # The first still sees 5 units, so its domain rules let it take 3 more.
        loser = domain.place_order("loser", [(seen_by_first, Quantity(3))], 0, NOW)
        first.orders.add(loser)
        with pytest.raises(Conflict, match=r"Product changed .*: 1 of 1 stale \(LAST version 1\)"):
            first.commit()

    assert _stock(units, "LAST") == 2  # not -1: no unit promised twice
    assert _order_ids(units, "winner") == [winner.id]
    assert _order_ids(units, "loser") == []
    assert _events(units) == [("OrderPlaced", winner.id)]


@contextmanager
def _cancelled_by_a_rival(
    units: UnitOfWorkFactory, order_id: str
) -> Iterator[tuple[UnitOfWork, Order]]:
    """A unit of work and the order as it loaded it, before a rival's cancellation committed."""
    with units() as first, units() as second:
        stale = _loaded(first.orders.get(order_id))
        rival = _loaded(second.orders.get(order_id))
        domain.cancel(rival, second.products.get_many(line.sku for line in rival.lines))
        second.commit()
        yield first, stale


def test_a_second_cancellation_from_a_stale_read_is_refused_so_stock_returns_once(
    postgres: Database,
) -> None:
    units = _units_selling(postgres, "TWICE", "Cancelled twice", stock=10)
    placed = ordering.place_order(units, "customer", {"TWICE": 4})

    with _cancelled_by_a_rival(units, placed.id) as (first, stale):
        domain.cancel(stale, first.products.get_many([Sku("TWICE")]))  # still PENDING to it
        with pytest.raises(Conflict, match="changed since it was loaded"):
            first.commit()

    assert _stock(units, "TWICE") == 10  # 6 + 4 once, not 14
    assert ordering.get_order(units, placed.id).status == "CANCELLED"
    assert _events(units) == [("OrderPlaced", placed.id), ("OrderCancelled", placed.id)]


def test_a_payment_on_an_order_read_before_its_cancellation_committed_is_refused(
    postgres: Database,
) -> None:
    units = _units_selling(postgres, "RACED", "Paid or cancelled", stock=10)
    placed = ordering.place_order(units, "customer", {"RACED": 2})

    with _cancelled_by_a_rival(units, placed.id) as (first, paying):
        paying.pay("pay-1", paying.totals.total)  # only the order changes: its version guards it
        with pytest.raises(
            Conflict, match=rf"Order changed .*: 1 of 1 stale \({placed.id} version 1\)"
        ):
            first.commit()

    order = ordering.get_order(units, placed.id)
    assert (order.status, order.payment_id, order.cancel_reason) == (
        "CANCELLED",
        None,
        "customer",
    )
    assert _stock(units, "RACED") == 10
    assert _events(units) == [("OrderPlaced", placed.id), ("OrderCancelled", placed.id)]


# The repository tests below hold one connection, the stale one: the rival loads, changes
# and commits on a connection of its own, between the stale load and the stale save.


def _rival_reserves(database: Database, sku: str, quantity: int) -> None:
    with database.engine.connect() as rival:
        products = SqlProductRepository(rival)
        _loaded(products.get(Sku(sku))).reserve(Quantity(quantity))
        products.save_changes()
        rival.commit()


def _rival_pays(database: Database, order_id: str) -> None:
    with database.engine.connect() as rival:
        orders = SqlOrderRepository(rival)
        order = _loaded(orders.get(order_id))
        order.pay("pay-1", order.totals.total)
        orders.save_changes()
        rival.commit()


def test_the_product_repository_refuses_to_save_a_product_loaded_before_a_rival_commit(
    database: Database,
) -> None:
    """Runs on SQLite too: the loading transaction ends (freeing SQLite's write lock) before
    the rival's, and the stale save comes in a later transaction on the same connection."""
    units = _units_selling(database, "STALE", "Stale stock", stock=5)

    with database.engine.connect() as first:
        stale_repository = SqlProductRepository(first)
        stale = _loaded(stale_repository.get(Sku("STALE")))
        first.commit()

        _rival_reserves(database, "STALE", 3)

        stale.reserve(Quantity(3))  # 5 units as far as it knows
        with pytest.raises(Conflict, match=r"Product changed .*: 1 of 1 stale \(STALE version 1\)"):
            stale_repository.save_changes()
        first.rollback()

    assert _stock(units, "STALE") == 2


def test_the_product_repository_saves_many_products_in_one_statement_checking_each_version(
    database: Database,
) -> None:
    """Cancelling an order of many lines returns stock to many products: one UPDATE with a
    row of parameters per product, each still matched by the version it was loaded at."""
    units = _units(database)
    skus = [Sku(code) for code in ("MANY-A", "MANY-B", "MANY-C")]
    for sku in skus:
        catalogue.register_product(units, sku.code, "Many", PRICE, 5)

    verbs: list[str] = []

    def record(*args: Any) -> None:  # (connection, cursor, statement, ...)
        verbs.append(str(args[2]).split()[0])

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        with database.engine.connect() as connection:
            repository = SqlProductRepository(connection)
            loaded = repository.get_many(skus)
            for product in loaded.values():
                product.release(Quantity(2))
            repository.save_changes()
            connection.commit()
    finally:
        event.remove(database.engine, "before_cursor_execute", record)

    assert [verb for verb in verbs if verb != "BEGIN"] == ["SELECT", "UPDATE"]  # BEGIN: SQLite
    assert [product.version for product in loaded.values()] == [2, 2, 2]
    assert [_stock(units, sku.code) for sku in skus] == [7, 7, 7]


def test_the_product_repository_refuses_a_batch_with_one_product_loaded_before_a_rival_commit(
    database: Database,
) -> None:
    """The batch is all or nothing: one stale product refuses the save of every product."""
    units = _units(database)
    skus = [Sku(code) for code in ("BATCH-A", "BATCH-B", "BATCH-C")]
    for sku in skus:
        catalogue.register_product(units, sku.code, "Batched", PRICE, 5)

    with database.engine.connect() as first:
        stale_repository = SqlProductRepository(first)
        stale = stale_repository.get_many(skus)
        first.commit()

        _rival_reserves(database, "BATCH-B", 1)  # only the middle one

        for product in stale.values():
            product.reserve(Quantity(3))
        with pytest.raises(
            Conflict,
            match=r"Product changed .*: 1 of 3 stale "
            r"\(BATCH-A version 1, BATCH-B version 1, BATCH-C version 1\)",
        ):
            stale_repository.save_changes()
        first.rollback()

    assert [product.version for product in stale.values()] == [1, 1, 1]  # none claimed saved
    assert [_stock(units, sku.code) for sku in skus] == [5, 4, 5]  # only the rival's write


def test_the_order_repository_refuses_to_save_an_order_loaded_before_a_rival_commit(
    database: Database,
) -> None:
    units = _units_selling(database, "ORDERED", "Ordered", stock=5)
    placed = ordering.place_order(units, "customer", {"ORDERED": 1})

    with database.engine.connect() as first:
        stale_repository = SqlOrderRepository(first)
        stale = _loaded(stale_repository.get(placed.id))
        first.commit()

        _rival_pays(database, placed.id)

        stale.cancel()  # a PENDING order as far as it knows (stock left alone: the order only)
        with pytest.raises(
            Conflict, match=rf"Order changed .*: 1 of 1 stale \({placed.id} version 1\)"
        ):
            stale_repository.save_changes()
        first.rollback()

    order = ordering.get_order(units, placed.id)
    assert (order.status, order.payment_id, order.cancel_reason) == ("PAID", "pay-1", None)


# --- 2. the retry is bounded --------------------------------------------------------------------


@dataclass
class RacingUnits:
    """Real units of work whose first ``losses`` commits lose a race, on the public port.

    Losing a race: with a ``rival``, the rival commits a change to the same aggregates from
    its own unit of work, then the real commit runs and has to refuse the stale write by
    itself; without one, the commit raises ``Conflict`` the way a stale write would.
    """

    real: UnitOfWorkFactory
    losses: int
    rival: Callable[[], object] | None = None
    opened: int = 0
    lost: int = 0

    def __call__(self) -> UnitOfWork:
        self.opened += 1
        return _RacingUnit(self, self.real())


@dataclass
class _RacingUnit:
    race: RacingUnits
    real: UnitOfWork
    entered: UnitOfWork | None = field(default=None, init=False)

    @property
    def _open(self) -> UnitOfWork:
        assert self.entered is not None, "used outside its with block"
        return self.entered

    @property
    def products(self) -> ProductRepository:
        return self._open.products

    @property
    def orders(self) -> OrderRepository:
        return self._open.orders

    @property
    def idempotency_keys(self) -> IdempotencyKeys:
        return self._open.idempotency_keys

    def events_after(self, seq: int, limit: int) -> list[EventRecord]:
        return self._open.events_after(seq, limit)

    def commit(self) -> None:
        if self.race.lost < self.race.losses:
            self.race.lost += 1
            if self.race.rival is None:
                raise Conflict("a race lost on purpose")
            self.race.rival()
        self._open.commit()

    def __enter__(self) -> UnitOfWork:
        self.entered = self.real.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.real.__exit__(*exc_info)


class _LostRaces(logging.Handler):
    """Collects the "lost a race" records, from every thread (``handle`` holds a lock)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "lost a race" in record.getMessage():
            self.records.append(record)

    def by_use_case(self) -> Counter[str]:
        return Counter(record.getMessage().split(" ", 1)[0] for record in self.records)


@contextmanager
def _lost_races() -> Iterator[_LostRaces]:
    """Listen to the retry log at INFO; put the logger back as it was afterwards."""
    logger = logging.getLogger(UNIT_LOGGER)
    handler = _LostRaces()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert {record.levelno for record in handler.records} <= {logging.INFO}


@pytest.fixture
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """RacingUnits loses races on purpose: the pause that spreads real rivals out between
    runs would only make these tests wait."""
    monkeypatch.setattr(unit, "FIRST_PAUSE_SECONDS", 0.0)


@pytest.mark.usefixtures("no_pause")
@pytest.mark.parametrize("losses", [0, 1, ATTEMPTS - 1])
def test_a_use_case_that_lost_races_runs_again_and_stores_its_change_once(
    database: Database, losses: int
) -> None:
    units = _units_selling(database, "RETRY", "Retried", stock=10)
    racing = RacingUnits(units, losses)

    with _lost_races() as log:
        placed = ordering.place_order(racing, "customer", {"RETRY": 3})

    assert racing.opened == losses + 1  # one unit of work per attempt
    assert log.by_use_case() == Counter({"place_order": losses} if losses else {})
    assert _stock(units, "RETRY") == 7
    assert _order_ids(units, "customer") == [placed.id]
    assert _events(units) == [("OrderPlaced", placed.id)]


@pytest.mark.usefixtures("no_pause")
def test_a_use_case_that_always_loses_gives_up_after_exactly_attempts_runs(
    database: Database,
) -> None:
    units = _units_selling(database, "NEVER", "Never placed", stock=10)
    racing = RacingUnits(units, losses=ATTEMPTS * 3)  # it would lose forever

    with _lost_races() as log, pytest.raises(ConcurrentModification) as refused:
        ordering.place_order(racing, "customer", {"NEVER": 3})

    assert refused.value.code == "concurrent-modification"
    assert racing.opened == racing.lost == ATTEMPTS
    assert log.by_use_case() == Counter({"place_order": ATTEMPTS})
    assert _stock(units, "NEVER") == 10
    assert _order_ids(units, "customer") == []
    assert _events(units) == []


@pytest.mark.usefixtures("no_pause")
def test_a_restock_that_lost_a_real_race_to_a_placement_runs_again_on_fresh_stock(
    postgres: Database,
) -> None:
    """The rival places an order between the restock's read and its commit: the real commit
    must refuse the stale product, or the units the order took come back (11 instead of 8).

    (A placement locks its products as it loads them, so a rival cannot overtake it this way:
    the rival would wait. See the test after this one.)"""
    units = _units_selling(postgres, "FRESH", "Restocked meanwhile", stock=10)
    placed: list[str] = []

    def rival() -> None:
        placed.append(ordering.place_order(units, "customer", {"FRESH": 3}).id)

    racing = RacingUnits(units, losses=1, rival=rival)
    with _lost_races() as log:
        catalogue.restock(racing, "FRESH", 1)

    assert racing.opened == 2
    assert log.by_use_case() == Counter({"restock": 1})
    assert _stock(units, "FRESH") == 10 - 3 + 1
    assert _events(units) == [("OrderPlaced", placed[0])]


def test_the_products_a_placement_loads_stay_locked_until_its_unit_of_work_ends(
    postgres: Database,
) -> None:
    """Placing locks its products (``get_many(lock=True)``: SELECT … FOR UPDATE): a rival
    that wants one of them waits instead of losing the race at commit. Asked not to wait
    (NOWAIT), the rival is refused while the placing unit of work is open, and not after."""
    units = _units_selling(postgres, "LOCKED", "Held by a placement", stock=10)
    catalogue.register_product(units, "FREE", "Not in the order", PRICE, 10)

    with units() as placing:
        placing.products.get_many([Sku("LOCKED")], lock=True)
        with pytest.raises(OperationalError) as refused:
            lock_row_now(postgres.engine, products.c.sku, "LOCKED")
        assert getattr(refused.value.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE
        lock_row_now(postgres.engine, products.c.sku, "FREE")
    lock_row_now(postgres.engine, products.c.sku, "LOCKED")


@pytest.mark.usefixtures("no_pause")
def test_a_cancellation_that_lost_a_real_race_to_a_placement_returns_its_stock_once(
    postgres: Database,
) -> None:
    units = _units_selling(postgres, "SHARED", "Shared stock", stock=10)
    cancelled = ordering.place_order(units, "leaving", {"SHARED": 4})
    rival_orders: list[str] = []

    def rival() -> None:
        rival_orders.append(ordering.place_order(units, "arriving", {"SHARED": 5}).id)

    racing = RacingUnits(units, losses=1, rival=rival)
    with _lost_races() as log:
        ordering.cancel_order(racing, cancelled.id)

    assert racing.opened == 2
    assert log.by_use_case() == Counter({"cancel_order": 1})
    assert _stock(units, "SHARED") == 10 - 4 - 5 + 4
    assert _events(units) == [
        ("OrderPlaced", cancelled.id),
        ("OrderPlaced", rival_orders[0]),
        ("OrderCancelled", cancelled.id),
    ]


# --- ... and over HTTP it ends in 409, never 500 ----------------------------------------------


@pytest.fixture
def app(url: str) -> Iterator[Flask]:
    made = variants.create_app("aggregate", url)
    assert not made.testing  # an unexpected error answers 500 instead of reaching the test
    try:
        yield made
    finally:
        variants.close_app(made)


@dataclass(frozen=True)
class Shop:
    """Two products and a pending order of both, made through the API."""

    client: FlaskClient
    order_id: str
    total: str

    def snapshot(self) -> list[Any]:
        targets = ("/products", f"/orders/{self.order_id}", "/events?limit=500")
        return [self.client.get(target).get_json() for target in targets]


@pytest.fixture
def shop(app: Flask) -> Shop:
    client = app.test_client()
    for sku in ("HTTP", "SPARE"):
        product = {"sku": sku, "name": sku.title(), "price": "2.50", "stock": 10}
        assert client.post("/products", json=product).status_code == 201
    lines = [{"sku": "HTTP", "quantity": 2}, {"sku": "SPARE", "quantity": 1}]
    placed = client.post("/orders", json={"customer_id": "c", "lines": lines})
    assert placed.status_code == 201, placed.data
    body = placed.get_json()
    return Shop(client, body["id"], body["total"])


@contextmanager
def _racing(app: Flask, losses: int) -> Iterator[RacingUnits]:
    """Inside the block the app's units of work lose their first ``losses`` commits."""
    real: UnitOfWorkFactory = app.extensions[UNITS_OF_WORK]
    racing = RacingUnits(real, losses)
    app.extensions[UNITS_OF_WORK] = racing
    try:
        yield racing
    finally:
        app.extensions[UNITS_OF_WORK] = real


# Every request that commits a change, each on the shop's product or pending order.
REQUESTS: dict[str, Callable[[Shop], TestResponse]] = {
    "place": lambda shop: shop.client.post(
        "/orders", json={"customer_id": "c", "lines": [{"sku": "HTTP", "quantity": 1}]}
    ),
    "set-line": lambda shop: shop.client.put(
        f"/orders/{shop.order_id}/lines/HTTP", json={"quantity": 3}
    ),
    "remove-line": lambda shop: shop.client.delete(f"/orders/{shop.order_id}/lines/SPARE"),
    "cancel": lambda shop: shop.client.post(f"/orders/{shop.order_id}/cancellation", json={}),
    "pay": lambda shop: shop.client.post(
        "/payment-events",
        json={
            "payment_id": "p",
            "order_id": shop.order_id,
            "outcome": "succeeded",
            "amount": shop.total,
        },
    ),
    "fail-payment": lambda shop: shop.client.post(
        "/payment-events",
        json={"payment_id": "p", "order_id": shop.order_id, "outcome": "failed", "amount": "1"},
    ),
    "register": lambda shop: shop.client.post(
        "/products", json={"sku": "NEW", "name": "New", "price": "1.00", "stock": 1}
    ),
    "restock": lambda shop: shop.client.post("/products/HTTP/restock", json={"quantity": 5}),
    "rename": lambda shop: shop.client.patch("/products/HTTP", json={"name": "Renamed"}),
}


@pytest.mark.usefixtures("no_pause")
@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_a_request_that_keeps_losing_races_answers_409_concurrent_modification(
    app: Flask, shop: Shop, name: str
) -> None:
    before = shop.snapshot()
    with _racing(app, losses=ATTEMPTS) as racing, _lost_races() as log:
        reply = REQUESTS[name](shop)

    assert (reply.status_code, reply.mimetype) == (409, "application/problem+json"), reply.data
    problem = reply.get_json()
    assert problem == {
        "type": PROBLEM + "concurrent-modification",
        "title": "Concurrent modification",
        "status": 409,
        "detail": problem["detail"],
    }
    assert isinstance(problem["detail"], str)
    assert racing.opened == ATTEMPTS
    assert sum(log.by_use_case().values()) == ATTEMPTS
    assert shop.snapshot() == before


@pytest.mark.usefixtures("no_pause")
def test_a_request_that_lost_one_race_is_answered_as_if_it_had_not(app: Flask, shop: Shop) -> None:
    with _racing(app, losses=1) as racing:
        reply = REQUESTS["place"](shop)

    assert reply.status_code == 201, reply.data
    assert racing.opened == 2
    assert shop.client.get("/products/HTTP").get_json()["stock"] == 10 - 2 - 1


# --- 3. a PostgreSQL stress: many clients, scarce stock ----------------------------------------

CLIENTS = 10
ROUNDS = 25
STRESS_SKUS = ("HOT-1", "HOT-2", "HOT-3")
STRESS_STOCK = 20
BARRIER_SECONDS = 30
ALLOWED: dict[str, set[tuple[int, str | None]]] = {
    "place": {(201, None), (409, "insufficient-stock"), (409, "concurrent-modification")},
    "cancel": {(200, None), (409, "invalid-state"), (409, "concurrent-modification")},
    "look": {(200, None)},
}


@dataclass(frozen=True)
class Seen:
    """One request of the stress and its answer."""

    kind: str
    status: int
    code: str | None
    body: Any
    asked: tuple[tuple[str, int], ...] = ()  # the lines a placement asked for
    order_id: str | None = None  # the order a cancellation named


def _seen(kind: str, reply: TestResponse, **more: Any) -> Seen:
    body: Any = reply.get_json(silent=True)
    code = None
    if reply.mimetype == "application/problem+json":
        code = str(body["type"]).removeprefix(PROBLEM)
    return Seen(kind, reply.status_code, code, body, **more)


@dataclass
class _Pool:
    """Orders placed so far, shared by the clients: each may cancel anyone's."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    order_ids: list[str] = field(default_factory=list)

    def add(self, order_id: str) -> None:
        with self.lock:
            self.order_ids.append(order_id)

    def recent(self, rng: random.Random) -> str | None:
        with self.lock:  # the newest few: likely to be cancelled by two clients at once
            return rng.choice(self.order_ids[-4:]) if self.order_ids else None


def _client(app: Flask, index: int, barrier: threading.Barrier, pool: _Pool) -> list[Seen]:
    rng = random.Random(20261125 + index)
    client = app.test_client()  # one per thread, all on one app and one engine
    seen: list[Seen] = []
    barrier.wait()
    for n in range(ROUNDS):
        chosen = sorted(rng.sample(STRESS_SKUS, rng.randint(1, 2)))
        asked = tuple((sku, rng.randint(1, 3)) for sku in chosen)
        lines = [{"sku": sku, "quantity": quantity} for sku, quantity in asked]
        reply = client.post("/orders", json={"customer_id": f"c{index}-{n}", "lines": lines})
        seen.append(_seen("place", reply, asked=asked))
        if reply.status_code == 201:
            pool.add(reply.get_json()["id"])
        order_id = pool.recent(rng) if rng.random() < 0.6 else None
        if order_id is not None:
            reply = client.post(f"/orders/{order_id}/cancellation", json={})
            seen.append(_seen("cancel", reply, order_id=order_id))
        seen.append(_seen("look", client.get(f"/products/{rng.choice(STRESS_SKUS)}")))
    return seen


@pytest.mark.concurrency
def test_many_clients_on_scarce_stock_never_oversell_and_never_fail(
    postgres_url: str, request: pytest.FixtureRequest
) -> None:
    app = variants.create_app("aggregate", postgres_url)
    try:
        client = app.test_client()
        for sku in STRESS_SKUS:
            product = {"sku": sku, "name": sku, "price": "2.50", "stock": STRESS_STOCK}
            assert client.post("/products", json=product).status_code == 201
        barrier = threading.Barrier(CLIENTS, timeout=BARRIER_SECONDS)
        pool = _Pool()
        with _lost_races() as log, ThreadPoolExecutor(max_workers=CLIENTS) as threads:
            runs = [threads.submit(_client, app, i, barrier, pool) for i in range(CLIENTS)]
            storm = [seen for run in runs for seen in run.result()]
        lost = log.by_use_case()
        orders = {
            order_id: client.get(f"/orders/{order_id}").get_json() for order_id in pool.order_ids
        }
        final_stock = {
            sku: client.get(f"/products/{sku}").get_json()["stock"] for sku in STRESS_SKUS
        }
        events = client.get("/events?limit=500").get_json()["events"]
    finally:
        variants.close_app(app)

    # Every answer is one the spec allows: no 5xx, only these refusals.
    for seen in storm:
        assert seen.status < 500, seen
        assert (seen.status, seen.code) in ALLOWED[seen.kind], seen
    assert all(seen.body["stock"] >= 0 for seen in storm if seen.kind == "look")
    assert all(stock >= 0 for stock in final_stock.values()), final_stock

    # Every order placed whole, as asked; cancelled exactly when one cancellation said 200.
    placements = [seen for seen in storm if seen.kind == "place" and seen.status == 201]
    for seen in placements:
        assert [(line["sku"], line["quantity"]) for line in seen.body["lines"]] == list(seen.asked)
    assert sorted(orders) == sorted(seen.body["id"] for seen in placements)
    cancelled = Counter(s.order_id for s in storm if s.kind == "cancel" and s.status == 200)
    assert set(cancelled.values()) <= {1}, cancelled
    for order_id, order in orders.items():
        assert (order["status"] == "CANCELLED") is (order_id in cancelled), order

    # Stock conservation: what is left plus what live orders hold is what was registered.
    for sku in STRESS_SKUS:
        held = sum(
            line["quantity"]
            for order in orders.values()
            if order["status"] != "CANCELLED"
            for line in order["lines"]
            if line["sku"] == sku
        )
        assert final_stock[sku] + held == STRESS_STOCK, sku

    # The outbox saw each committed change once, and nothing of a lost or refused attempt.
    assert len(events) < 500
    assert Counter((event["type"], event["order_id"]) for event in events) == Counter(
        [("OrderPlaced", order_id) for order_id in orders]
        + [("OrderCancelled", order_id) for order_id in cancelled]
    )

    # Races were lost (or this stressed nothing), and each request that gave up lost ATTEMPTS.
    refused = Counter((s.kind, s.code) for s in storm if s.status == 409)
    gave_up = sum(n for (_, code), n in refused.items() if code == "concurrent-modification")
    assert sum(lost.values()) > 0, "no race was lost: the clients never collided"
    assert sum(lost.values()) >= ATTEMPTS * gave_up

    # Printed at the end of the run by tests/conftest.py (with or without xdist).
    request.node.user_properties.append(("figures", _figures(storm, refused, lost, gave_up)))


def _figures(
    storm: list[Seen], refused: Counter[tuple[str, str | None]], lost: Counter[str], gave_up: int
) -> str:
    kinds = Counter(seen.kind for seen in storm)
    placed = sum(1 for seen in storm if seen.kind == "place" and seen.status == 201)
    cancelled = sum(1 for seen in storm if seen.kind == "cancel" and seen.status == 200)
    lines = [
        f"aggregate stress on PostgreSQL: {CLIENTS} clients x {ROUNDS} rounds, "
        f"{len(STRESS_SKUS)} products of {STRESS_STOCK} units",
        f"  orders attempted {kinds['place']}, placed {placed}; "
        f"cancellations attempted {kinds['cancel']}, done {cancelled}; stock reads {kinds['look']}",
        f"  lost races (INFO records) {sum(lost.values())} {dict(sorted(lost.items()))}; "
        f"retries run {sum(lost.values()) - gave_up}",
        "  refused: "
        + ", ".join(f"{kind} {code} {n}" for (kind, code), n in sorted(refused.items())),
    ]
    return "\n".join(lines)
