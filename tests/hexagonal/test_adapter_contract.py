"""One contract for every storage adapter of the hexagonal variant: the same tests run on the
in-memory adapter and on the SQLAlchemy adapter (a SQLite file, and PostgreSQL when
``KATA_TEST_POSTGRES_URL`` names a server). They speak only the outbound ports
(``UnitOfWorkFactory`` and what a unit of work hands out), so an adapter that passes can
stand in for the other under the use cases.

SQLite takes its write lock when a unit of work opens (``BEGIN IMMEDIATE``): a second unit
waits for the first to end, so two units never interleave in one thread there. The tests
that hold two units open at once run on the adapters that interleave (memory, PostgreSQL);
on every adapter, threads racing read-modify-write units show that no update is lost.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kata.hexagonal.adapters.outbound.memory.clock import ManualClock
from kata.hexagonal.adapters.outbound.memory.store import MemoryStore
from kata.hexagonal.adapters.outbound.memory.unit_of_work import in_memory_units
from kata.hexagonal.adapters.outbound.sqlalchemy.database import Database
from kata.hexagonal.adapters.outbound.sqlalchemy.unit_of_work import SqlUnitOfWork
from kata.hexagonal.application.ports.outbound import (
    Conflict,
    EventRecord,
    UnitOfWork,
    UnitOfWorkFactory,
)
from kata.hexagonal.domain.money import Money
from kata.hexagonal.domain.order import Order, OrderLine, OrderStatus
from kata.hexagonal.domain.product import Product
from kata.hexagonal.domain.values import Quantity, Sku
from tests.backends import backends, fresh_database

NOW = datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC)
PENDING, PAID, CANCELLED = OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.CANCELLED

# --- the adapters under contract --------------------------------------------------------------


@dataclass
class Storage:
    name: str
    units: UnitOfWorkFactory
    clock: ManualClock


@contextmanager
def _storage(name: str, folder: Path) -> Iterator[Storage]:
    clock = ManualClock(NOW)
    if name == "memory":
        yield Storage(name, in_memory_units(MemoryStore(), clock), clock)
        return
    with fresh_database(name, folder) as url:
        database = Database(url)
        try:
            database.create_schema()
            units: UnitOfWorkFactory = functools.partial(SqlUnitOfWork, database, clock)
            yield Storage(name, units, clock)
        finally:
            database.close()


ALL = ["memory", *backends()]
INTERLEAVING = [name for name in ALL if name != "sqlite"]


@pytest.fixture(params=ALL)
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    with _storage(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture(params=INTERLEAVING)
def interleaving(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """An adapter whose units of work may be open at once in one thread."""
    with _storage(request.param, tmp_path) as opened:
        yield opened


# --- builders and readers ---------------------------------------------------------------------


def a_product(sku: str = "SKU-A", price: str = "10.00", stock: int = 100) -> Product:
    return Product(Sku(sku), f"Product {sku}", Money.of(price), stock)


def a_placed_order(
    order_id: str = "order-1", customer_id: str = "customer-1", *lines: tuple[str, int, str]
) -> Order:
    """A new order (with its ``OrderPlaced`` event) of (SKU, units, unit price) lines."""
    items = [(Sku(sku), Quantity(units), Money.of(price)) for sku, units, price in lines]
    return Order.place(order_id, customer_id, items or [_ITEM], 0, NOW)


_ITEM = (Sku("SKU-A"), Quantity(1), Money.of("10.00"))


def product_fields(product: Product) -> tuple[Any, ...]:
    return (product.sku, product.name, product.price, product.stock, product.version)


def order_fields(order: Order) -> tuple[Any, ...]:
    return (
        order.id,
        order.customer_id,
        order.status,
        [(line.sku, line.quantity, line.unit_price) for line in order.lines],
        order.payment_id,
        order.cancel_reason,
        order.refund_due,
        order.processed_payments,
        order.created_at,
        order.version,
    )


def stored(storage: Storage, work: Callable[[UnitOfWork], Any]) -> Any:
    """What a fresh unit of work reads (and then leaves without committing)."""
    with storage.units() as uow:
        return work(uow)


def product(uow: UnitOfWork, sku: str) -> Product:
    found = uow.products.get(Sku(sku))
    assert found is not None, f"no product {sku}"
    return found


def order(uow: UnitOfWork, order_id: str) -> Order:
    found = uow.orders.get(order_id)
    assert found is not None, f"no order {order_id}"
    return found


def commit(storage: Storage, *roots: Product | Order) -> None:
    """Add new roots in one unit of work and commit."""
    with storage.units() as uow:
        for root in roots:
            if isinstance(root, Product):
                uow.products.add(root)
            else:
                uow.orders.add(root)
        uow.commit()


def change(storage: Storage, work: Callable[[UnitOfWork], object]) -> None:
    """Run ``work`` in a unit of work and commit."""
    with storage.units() as uow:
        work(uow)
        uow.commit()


def events(storage: Storage, after: int = 0, limit: int = 1000) -> list[EventRecord]:
    return list(stored(storage, lambda uow: uow.events_after(after, limit)))


def restock(uow: UnitOfWork, sku: str, units: int = 1) -> None:
    product(uow, sku).restock(Quantity(units))


# --- products ---------------------------------------------------------------------------------


def test_a_product_is_stored_at_commit_with_every_field(storage: Storage) -> None:
    added = Product(Sku("SKU-1"), "Ünïcode name, 25 chars ✓", Money.of("12.34"), 7)
    cheapest = Product(Sku("SKU-2"), "x" * 100, Money.of("0.01"), 0)
    dearest = Product(Sku("SKU-3"), "Dear", Money.of("100000.00"), 10_000_000)

    commit(storage, added, cheapest, dearest)

    assert added.version == 1  # the adapter saved it as version 1
    for expected in (added, cheapest, dearest):
        loaded = stored(storage, functools.partial(product, sku=expected.sku.code))
        assert loaded is not expected
        assert product_fields(loaded) == product_fields(expected)


def test_products_are_found_by_sku_and_listed_in_sku_order(storage: Storage) -> None:
    skus = ["B2", "B-2", "A", "B10", "A-B", "B1", "0-9"]
    commit(storage, *(a_product(sku) for sku in skus))

    with storage.units() as uow:
        assert uow.products.get(Sku("NOPE")) is None
        found = uow.products.get_many([Sku("B1"), Sku("NOPE"), Sku("A"), Sku("B1")])
        listed = [p.sku.code for p in uow.products.all()]

    assert sorted(found) == [Sku("A"), Sku("B1")]
    assert all(sku == p.sku for sku, p in found.items())
    assert listed == sorted(skus)  # by code point: "-" before digits before letters
    assert stored(storage, lambda uow: uow.products.get_many([])) == {}


def test_a_unit_of_work_hands_out_one_object_per_product(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_product("SKU-B"))

    with storage.units() as uow:
        first = product(uow, "SKU-A")
        first.restock(Quantity(5))
        again = uow.products.get_many([Sku("SKU-A")])[Sku("SKU-A")]
        listed = uow.products.all()[0]

    assert first is again is listed
    assert again.stock == 105


def test_a_changed_product_is_saved_with_the_next_version(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_product("SKU-B"))

    def reprice(uow: UnitOfWork) -> None:
        loaded = product(uow, "SKU-A")
        loaded.rename("Renamed")
        loaded.reprice(Money.of("11.50"))
        loaded.restock(Quantity(1))
        product(uow, "SKU-B")  # loaded, unchanged

    change(storage, reprice)
    change(storage, lambda uow: product(uow, "SKU-A").reserve(Quantity(101)))

    assert product_fields(stored(storage, lambda uow: product(uow, "SKU-A"))) == (
        Sku("SKU-A"),
        "Renamed",
        Money.of("11.50"),
        0,
        3,
    )
    assert stored(storage, lambda uow: product(uow, "SKU-B")).version == 1


def test_every_product_a_unit_changed_is_saved_together(storage: Storage) -> None:
    """An order of 20 lines moves the stock of 20 products in one commit (O3, O8)."""
    skus = [f"SKU-{n:02d}" for n in range(1, 21)]
    commit(storage, *(a_product(sku) for sku in skus))

    def reserve_from_most(uow: UnitOfWork) -> None:
        loaded = uow.products.get_many(Sku(sku) for sku in skus)
        for units, sku in enumerate(skus[:15], start=1):
            loaded[Sku(sku)].reserve(Quantity(units))  # the last five are read, never changed

    change(storage, reserve_from_most)

    saved = stored(storage, lambda uow: uow.products.get_many(Sku(sku) for sku in skus))
    assert [(p.stock, p.version) for _, p in sorted(saved.items())] == [
        *((100 - units, 2) for units in range(1, 16)),
        *((100, 1) for _ in range(5)),
    ]


# --- orders -----------------------------------------------------------------------------------


def test_an_order_is_stored_at_commit_with_every_field(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_product("SKU-B"), a_product("SKU-C"))
    rich = Order(
        id="6f1c0e1e-8f0a-4c39-9d5e-3a2b1c0d9e8f",
        customer_id="customer_X-9",
        status=CANCELLED,
        lines=[
            OrderLine(Sku("SKU-B"), 1000, Money.of("0.01")),
            OrderLine(Sku("SKU-A"), 3, Money.of("12.34")),
        ],
        payment_id="pay-2",
        cancel_reason="customer",
        refund_due=True,
        processed_payments=["pay-1", "pay-2"],
        created_at=NOW,
        version=0,
    )
    plain = a_placed_order("order-plain", "customer-2", ("SKU-C", 1, "1111.11"))

    commit(storage, rich, plain)

    assert (rich.version, plain.version) == (1, 1)
    for expected in (rich, plain):
        loaded = stored(storage, functools.partial(order, order_id=expected.id))
        assert loaded is not expected
        assert order_fields(loaded) == order_fields(expected)
        assert loaded.take_events() == []  # events are stored, never loaded back


def test_an_orders_lines_and_payments_are_saved_with_it(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_product("SKU-B"), a_product("SKU-C"))
    commit(
        storage,
        a_placed_order("order-1", "customer-1", ("SKU-A", 2, "10.00"), ("SKU-B", 1, "5.00")),
    )

    def amend(uow: UnitOfWork) -> None:
        loaded = order(uow, "order-1")
        loaded.set_line(Sku("SKU-C"), Quantity(4), Money.of("2.50"))
        loaded.set_line(Sku("SKU-A"), Quantity(3), Money.of("99.00"))  # keeps 10.00
        loaded.remove_line(Sku("SKU-B"))

    change(storage, amend)
    change(storage, lambda uow: order(uow, "order-1").pay("pay-1", Money.of("40.00")))

    loaded = stored(storage, lambda uow: order(uow, "order-1"))
    assert order_fields(loaded)[2:] == (
        PAID,
        [(Sku("SKU-A"), 3, Money.of("10.00")), (Sku("SKU-C"), 4, Money.of("2.50"))],
        "pay-1",
        None,
        False,
        frozenset({"pay-1"}),
        NOW,
        3,
    )


def test_orders_are_counted_and_listed_newest_first(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"))
    commit(storage, a_placed_order("o1", "a"))
    commit(storage, a_placed_order("o2", "b"), a_placed_order("o3", "a"))  # o3 placed after o2
    commit(storage, a_placed_order("o4", "a"))
    change(storage, lambda uow: order(uow, "o3").pay("pay-1", Money.of("10.00")))
    commit(storage, a_placed_order("o5", "b"))

    def ids(customer_id: str | None, status: OrderStatus | None, limit: int = 50) -> list[str]:
        found = stored(storage, lambda uow: uow.orders.newest_first(customer_id, status, limit))
        return [o.id for o in found]

    assert ids(None, None) == ["o5", "o4", "o3", "o2", "o1"]  # placement order: a change keeps it
    assert ids("a", None) == ["o4", "o3", "o1"]
    assert ids("a", PENDING) == ["o4", "o1"]
    assert ids(None, PAID) == ["o3"]
    assert ids(None, None, limit=2) == ["o5", "o4"]
    assert ids(None, None, limit=0) == []
    assert ids("nobody", None) == []
    with storage.units() as uow:
        assert uow.orders.get("o6") is None
        assert uow.orders.count("a", PENDING) == 2
        assert uow.orders.count("a", PAID) == 1
        assert uow.orders.count("b", CANCELLED) == 0


def test_a_unit_of_work_hands_out_one_object_per_order(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_placed_order("o1"))

    with storage.units() as uow:
        first = order(uow, "o1")
        first.pay("pay-1", Money.of("10.00"))
        listed = uow.orders.newest_first(None, None, 10)[0]
        again = order(uow, "o1")

    assert first is listed is again
    assert again.status is PAID


def test_every_order_a_unit_changed_is_saved_together(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_product("SKU-B"))
    two_lines = (("SKU-A", 1, "10.00"), ("SKU-B", 2, "5.00"))
    commit(storage, *(a_placed_order(f"o{n}", "customer-1", *two_lines) for n in range(1, 4)))

    def change_two(uow: UnitOfWork) -> None:
        order(uow, "o1").cancel()
        order(uow, "o2").pay("pay-2", Money.of("20.00"))
        order(uow, "o3")  # read, never changed

    change(storage, change_two)

    with storage.units() as uow:
        o1, o2, o3 = (order(uow, f"o{n}") for n in range(1, 4))
    assert [(o.status, o.version) for o in (o1, o2, o3)] == [
        (CANCELLED, 2),
        (PAID, 2),
        (PENDING, 1),
    ]
    assert o2.processed_payments == {"pay-2"}
    lines = [(Sku("SKU-A"), 1, Money.of("10.00")), (Sku("SKU-B"), 2, Money.of("5.00"))]
    assert all(order_fields(o)[3] == lines for o in (o1, o2, o3))  # kept whole by the rewrite


# --- units of work ----------------------------------------------------------------------------


def _change_everything(uow: UnitOfWork) -> None:
    restock(uow, "SKU-A", 5)
    order(uow, "o1").pay("pay-1", Money.of("10.00"))
    uow.products.add(a_product("SKU-NEW"))
    uow.orders.add(a_placed_order("o-new"))
    uow.idempotency_keys.bind("key-1", "request", "response")
    uow.move_relay_position(1)


def _everything(storage: Storage) -> tuple[Any, ...]:
    with storage.units() as uow:
        return (
            [product_fields(p) for p in uow.products.all()],
            [order_fields(o) for o in uow.orders.newest_first(None, None, 50)],
            uow.events_after(0, 50),
            uow.idempotency_keys.find("key-1"),
            uow.relay_position(),
        )


def _assert_none_of_the_changes_but_stock(uow: UnitOfWork) -> None:
    """``uow`` sees nothing of what ``_change_everything`` does, SKU-A's stock aside."""
    assert order(uow, "o1").status is PENDING
    assert uow.products.get(Sku("SKU-NEW")) is None
    assert uow.orders.get("o-new") is None
    assert uow.idempotency_keys.find("key-1") is None
    assert uow.relay_position() == 0
    assert [e.type for e in uow.events_after(0, 50)] == ["OrderPlaced"]


def test_a_unit_of_work_left_without_commit_changes_nothing(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_placed_order("o1"))
    before = _everything(storage)

    with storage.units() as uow:
        _change_everything(uow)

    assert _everything(storage) == before


def test_a_unit_of_work_left_by_an_exception_changes_nothing(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_placed_order("o1"))
    before = _everything(storage)

    def refused() -> None:
        with storage.units() as uow:
            _change_everything(uow)
            raise RuntimeError("a rule refused")

    with pytest.raises(RuntimeError):
        refused()

    assert _everything(storage) == before


def test_a_committed_unit_of_work_stores_everything(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_placed_order("o1"))

    change(storage, _change_everything)

    with storage.units() as uow:
        assert product(uow, "SKU-A").stock == 105
        assert order(uow, "o1").status is PAID
        assert product(uow, "SKU-NEW").version == 1
        assert order(uow, "o-new").version == 1
        assert uow.idempotency_keys.find("key-1") == ("request", "response")
        assert uow.relay_position() == 1


def test_after_commit_a_unit_of_work_still_reads_what_it_committed(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_placed_order("o1"))

    with storage.units() as uow:
        _change_everything(uow)
        uow.commit()
        assert (product(uow, "SKU-A").stock, product(uow, "SKU-A").version) == (105, 2)
        assert (order(uow, "o1").status, order(uow, "o1").version) == (PAID, 2)
        assert product(uow, "SKU-NEW").version == 1
        assert uow.idempotency_keys.find("key-1") == ("request", "response")
        assert uow.relay_position() == 1


def test_changes_are_invisible_to_other_units_of_work_until_committed(
    interleaving: Storage,
) -> None:
    commit(interleaving, a_product("SKU-A"), a_placed_order("o1"))

    with interleaving.units() as writer:
        _change_everything(writer)
        with interleaving.units() as reader:
            assert product(reader, "SKU-A").stock == 100
            _assert_none_of_the_changes_but_stock(reader)
        writer.commit()

    with interleaving.units() as reader:
        assert product(reader, "SKU-A").stock == 105
        assert reader.orders.get("o-new") is not None


# --- optimistic concurrency -------------------------------------------------------------------


def test_a_product_changed_since_it_was_loaded_is_refused(interleaving: Storage) -> None:
    commit(interleaving, a_product("SKU-A"), a_placed_order("o1"))

    with interleaving.units() as loser, interleaving.units() as winner:
        stale = product(loser, "SKU-A")
        restock(winner, "SKU-A", 1)
        winner.commit()
        stale.restock(Quantity(10))
        _change_everything(loser)  # everything else it does goes with it
        with pytest.raises(Conflict, match=r"^Product\b"):  # says which kind of root was stale
            loser.commit()

    with interleaving.units() as uow:
        assert product_fields(product(uow, "SKU-A"))[3:] == (101, 2)  # the winner's write only
        _assert_none_of_the_changes_but_stock(uow)


@pytest.mark.parametrize("overtaken", ["SKU-A", "SKU-B", "SKU-C"])
def test_one_stale_product_refuses_every_product_saved_with_it(
    interleaving: Storage, overtaken: str
) -> None:
    """A cancellation returns the stock of every line at once (O8): if a concurrent unit
    saved any one of those products first, none of the returns is stored."""
    skus = ["SKU-A", "SKU-B", "SKU-C"]
    lines = [(sku, 1, "10.00") for sku in skus]
    commit(interleaving, *(a_product(sku) for sku in skus), a_placed_order("o1", "c-1", *lines))

    with interleaving.units() as loser, interleaving.units() as winner:
        stale = loser.products.get_many(Sku(sku) for sku in skus)
        restock(winner, overtaken, 1)
        winner.commit()
        order(loser, "o1").cancel()
        for held in stale.values():
            held.release(Quantity(1))
        with pytest.raises(Conflict):
            loser.commit()

    saved = stored(interleaving, lambda uow: uow.products.get_many(Sku(sku) for sku in skus))
    assert {p.sku.code: (p.stock, p.version) for p in saved.values()} == {
        sku: (101, 2) if sku == overtaken else (100, 1) for sku in skus
    }
    assert stored(interleaving, lambda uow: order(uow, "o1")).status is PENDING
    assert [e.type for e in events(interleaving)] == ["OrderPlaced"]


def test_an_order_changed_since_it_was_loaded_is_refused(interleaving: Storage) -> None:
    commit(interleaving, a_product("SKU-A"), a_placed_order("o1"))

    with interleaving.units() as loser, interleaving.units() as winner:
        stale = order(loser, "o1")
        order(winner, "o1").cancel()
        winner.commit()
        stale.pay("pay-1", Money.of("10.00"))  # still pending, to the loser
        with pytest.raises(Conflict, match=r"^Order\b"):  # says which kind of root was stale
            loser.commit()

    cancelled = stored(interleaving, lambda uow: order(uow, "o1"))
    assert (cancelled.status, cancelled.payment_id, cancelled.version) == (CANCELLED, None, 2)
    assert [e.type for e in events(interleaving)] == ["OrderPlaced", "OrderCancelled"]


def test_only_the_roots_a_unit_of_work_changed_are_checked(interleaving: Storage) -> None:
    commit(interleaving, a_product("SKU-A"), a_product("SKU-B"), a_placed_order("o1"))

    with interleaving.units() as first, interleaving.units() as second:
        product(first, "SKU-A")  # read, never changed
        order(first, "o1")  # read, never changed
        restock(first, "SKU-B", 1)
        restock(second, "SKU-A", 2)
        order(second, "o1").cancel()
        second.commit()
        first.commit()  # no conflict: what it changed, nobody else did

    with interleaving.units() as uow:
        assert (product(uow, "SKU-A").stock, product(uow, "SKU-B").stock) == (102, 101)
        assert order(uow, "o1").status is CANCELLED


# What a conflict on a unique key names: the kind in the memory adapter's words, the table
# (or its primary key constraint) in the database's.
_NAMES_PRODUCT, _NAMES_ORDER, _NAMES_KEY = r"(?i)product", r"(?i)order", r"(?i)idempotency.key"


@pytest.mark.parametrize(
    ("add_again", "names"),
    [
        (lambda uow: uow.products.add(a_product("SKU-A", price="1.00")), _NAMES_PRODUCT),
        (lambda uow: uow.orders.add(a_placed_order("o1", "someone-else")), _NAMES_ORDER),
        (lambda uow: uow.idempotency_keys.bind("key-1", "other", "other"), _NAMES_KEY),
    ],
    ids=["product", "order", "idempotency-key"],
)
def test_adding_what_is_already_stored_is_a_conflict(
    storage: Storage, add_again: Callable[[UnitOfWork], None], names: str
) -> None:
    commit(storage, a_product("SKU-A"), a_placed_order("o1"))
    change(storage, lambda uow: uow.idempotency_keys.bind("key-1", "request", "response"))
    before = _everything(storage)

    with pytest.raises(Conflict, match=names):
        change(storage, add_again)

    assert _everything(storage) == before


@pytest.mark.parametrize(
    ("add", "events_stored", "names"),
    [
        (lambda uow: uow.products.add(a_product("SKU-B")), 0, _NAMES_PRODUCT),
        (lambda uow: uow.orders.add(a_placed_order("o2")), 1, _NAMES_ORDER),
        (lambda uow: uow.idempotency_keys.bind("key-1", "request", "response"), 0, _NAMES_KEY),
    ],
    ids=["product", "order", "idempotency-key"],
)
def test_of_two_units_adding_one_key_the_second_to_commit_conflicts(
    interleaving: Storage, add: Callable[[UnitOfWork], None], events_stored: int, names: str
) -> None:
    commit(interleaving, a_product("SKU-A"))

    def second_to_commit() -> None:
        with interleaving.units() as second:
            assert second.products.get(Sku("SKU-B")) is None
            assert second.orders.get("o2") is None
            assert second.idempotency_keys.find("key-1") is None
            change(interleaving, add)  # the first
            add(second)
            second.commit()

    # The SQL adapter turns the unique violation into Conflict as the unit of work ends.
    with pytest.raises(Conflict, match=names):
        second_to_commit()

    assert len(events(interleaving)) == events_stored


@pytest.mark.parametrize(
    "add_twice",
    [
        lambda uow: [uow.products.add(a_product("SKU-B", price=p)) for p in ("1.00", "2.00")],
        lambda uow: [uow.orders.add(a_placed_order("o2", c)) for c in ("c-1", "c-2")],
    ],
    ids=["product", "order"],
)
def test_one_unit_adding_one_key_twice_is_a_conflict(
    storage: Storage, add_twice: Callable[[UnitOfWork], None]
) -> None:
    """Neither root is stored: the second does not quietly replace the first."""
    commit(storage, a_product("SKU-A"))
    before = _everything(storage)

    with pytest.raises(Conflict):
        change(storage, add_twice)

    assert _everything(storage) == before


def test_binding_a_key_already_stored_is_refused_at_once(storage: Storage) -> None:
    """The unit of work learns it as it binds (the SQL adapter inserts the key then), before
    it goes on to commit."""
    change(storage, lambda uow: uow.idempotency_keys.bind("key-1", "request", "response"))
    went_on = []

    def bind_again() -> None:
        with storage.units() as uow:
            uow.idempotency_keys.bind("key-1", "other", "other")
            went_on.append(True)

    with pytest.raises(Conflict, match=_NAMES_KEY):
        bind_again()

    assert went_on == []
    assert stored(storage, lambda uow: uow.idempotency_keys.find("key-1")) == (
        "request",
        "response",
    )


def test_a_key_bound_by_another_unit_between_bind_and_commit_is_a_conflict(
    tmp_path: Path,
) -> None:
    """Two units bind one key while neither has committed: the second to commit is refused,
    and the key keeps the first one's request and response. In memory only: on PostgreSQL
    the first unit's insert would wait for the second's uncommitted row, in this one thread
    for ever (there the unique index settles the race, as the test above shows)."""
    with _storage("memory", tmp_path) as memory:

        def bind_both_then_commit_second() -> None:
            with memory.units() as second:
                second.idempotency_keys.bind("key-1", "second", "second")
                change(memory, lambda first: first.idempotency_keys.bind("key-1", "first", "first"))
                second.commit()

        with pytest.raises(Conflict, match=_NAMES_KEY):
            bind_both_then_commit_second()

        bound = stored(memory, lambda uow: uow.idempotency_keys.find("key-1"))

    assert bound == (
        "first",
        "first",
    )


@pytest.mark.usefixtures("eager_thread_switches")
def test_threads_racing_to_change_one_product_lose_no_update(storage: Storage) -> None:
    """Whatever the adapter does (refuse a stale write, or run one unit at a time), every
    committed read-modify-write counts exactly once."""
    commit(storage, a_product("SKU-A", stock=0))
    threads, rounds = 6, 5
    start = threading.Barrier(threads)

    def client(_: int) -> int:
        start.wait()
        conflicts = 0
        for _ in range(rounds):
            while True:
                try:
                    change(storage, lambda uow: restock(uow, "SKU-A"))
                    break
                except Conflict:
                    conflicts += 1
                    assert conflicts < 1000, "no progress"
        return conflicts

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(client, range(threads)))

    loaded = stored(storage, lambda uow: product(uow, "SKU-A"))
    assert (loaded.stock, loaded.version) == (threads * rounds, 1 + threads * rounds)


# --- the outbox -------------------------------------------------------------------------------


def test_events_are_stored_at_commit_in_order_in_their_wire_form(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_product("SKU-B"))
    t0 = storage.clock()
    commit(storage, a_placed_order("o1", "customer-1", ("SKU-B", 1, "5.00"), ("SKU-A", 2, "10.00")))
    t1 = storage.clock.advance(timedelta(seconds=90))

    def amend_and_pay(uow: UnitOfWork) -> None:
        placed = order(uow, "o1")
        placed.set_line(Sku("SKU-A"), Quantity(10), Money.of("10.00"))
        placed.pay("pay-1", Money.of("99.75"))  # 105.00 less 5 %

    change(storage, amend_and_pay)
    t2 = storage.clock.advance(timedelta(microseconds=1))
    change(storage, lambda uow: order(uow, "o1").cancel())
    commit(storage, a_placed_order("o2", "customer-2"))
    change(storage, lambda uow: order(uow, "o2").pay("pay-2", Money.of("10.00")))
    change(storage, lambda uow: order(uow, "o2").ship())

    stored_events = events(storage)

    assert [event.seq for event in stored_events] == list(range(1, 8))  # from 1, no gaps
    assert [(e.type, e.order_id, e.occurred_at, e.data) for e in stored_events] == [
        (
            "OrderPlaced",
            "o1",
            t0,
            {
                "customer_id": "customer-1",
                "lines": [
                    {"sku": "SKU-A", "quantity": 2, "unit_price": "10.00"},
                    {"sku": "SKU-B", "quantity": 1, "unit_price": "5.00"},
                ],
                "total": "25.00",
            },
        ),
        (
            "OrderAmended",
            "o1",
            t1,
            {
                "lines": [
                    {"sku": "SKU-A", "quantity": 10, "unit_price": "10.00"},
                    {"sku": "SKU-B", "quantity": 1, "unit_price": "5.00"},
                ],
                "total": "99.75",
            },
        ),
        ("OrderPaid", "o1", t1, {"payment_id": "pay-1", "amount": "99.75"}),
        ("OrderCancelled", "o1", t2, {"reason": "customer", "refund_due": True}),
        ("OrderPlaced", "o2", t2, _placed_data("customer-2")),
        ("OrderPaid", "o2", t2, {"payment_id": "pay-2", "amount": "10.00"}),
        ("OrderShipped", "o2", t2, {}),
    ]


def _placed_data(customer_id: str) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "lines": [{"sku": "SKU-A", "quantity": 1, "unit_price": "10.00"}],
        "total": "10.00",
    }


def test_events_are_read_after_a_seq_up_to_a_limit(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"))
    for n in range(5):
        commit(storage, a_placed_order(f"o{n}"))
    seqs = [event.seq for event in events(storage)]

    assert [e.seq for e in events(storage, after=0, limit=2)] == seqs[:2]
    assert [e.seq for e in events(storage, after=seqs[1], limit=2)] == seqs[2:4]
    assert [e.seq for e in events(storage, after=seqs[1], limit=100)] == seqs[2:]
    assert events(storage, after=seqs[-1]) == []
    assert [e.order_id for e in events(storage)] == [f"o{n}" for n in range(5)]


def test_a_limit_of_zero_reads_no_events(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_placed_order("o1"))

    assert events(storage, after=0, limit=0) == []


def test_a_refused_commit_uses_up_no_seq(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_placed_order("o1"))
    with pytest.raises(Conflict):
        commit(storage, a_placed_order("o1"))  # already stored
    commit(storage, a_placed_order("o2"))

    assert [(e.seq, e.order_id) for e in events(storage)] == [(1, "o1"), (2, "o2")]


def test_each_read_hands_out_its_own_event_data(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_placed_order("o1"))

    events(storage)[0].data["total"] = "0.00"

    assert events(storage)[0].data["total"] == "10.00"


def test_an_order_loaded_but_unchanged_stores_no_event(storage: Storage) -> None:
    commit(storage, a_product("SKU-A"), a_placed_order("o1"))

    def read_order_change_product(uow: UnitOfWork) -> None:
        order(uow, "o1")
        restock(uow, "SKU-A")

    change(storage, read_order_change_product)

    assert [e.type for e in events(storage)] == ["OrderPlaced"]


def test_seq_follows_commit_order_not_the_order_units_began(interleaving: Storage) -> None:
    commit(interleaving, a_product("SKU-A"), a_placed_order("o1"), a_placed_order("o2"))
    placed = [e.seq for e in events(interleaving)]

    with interleaving.units() as early, interleaving.units() as late:
        order(early, "o1").cancel()
        order(late, "o2").cancel()
        late.commit()
        early.commit()

    cancelled = events(interleaving, after=placed[-1])
    assert [e.order_id for e in cancelled] == ["o2", "o1"]
    assert cancelled[0].seq < cancelled[1].seq


# --- idempotency keys and the relay position --------------------------------------------------


def test_an_idempotency_key_is_bound_to_its_request_and_response(storage: Storage) -> None:
    with storage.units() as uow:
        assert uow.idempotency_keys.find("key-1") is None
        uow.idempotency_keys.bind("key-1", '{"a": 1}', '{"id": "o1"}')
        assert uow.idempotency_keys.find("key-1") == ('{"a": 1}', '{"id": "o1"}')
        uow.commit()

    assert stored(storage, lambda uow: uow.idempotency_keys.find("key-1")) == (
        '{"a": 1}',
        '{"id": "o1"}',
    )
    assert stored(storage, lambda uow: uow.idempotency_keys.find("key-2")) is None


def test_the_relay_position_starts_at_zero_and_moves_at_commit(storage: Storage) -> None:
    assert stored(storage, lambda uow: uow.relay_position()) == 0

    with storage.units() as uow:
        uow.move_relay_position(7)
        assert uow.relay_position() == 7
        uow.commit()
    change(storage, lambda uow: uow.move_relay_position(9))

    assert stored(storage, lambda uow: uow.relay_position()) == 9
