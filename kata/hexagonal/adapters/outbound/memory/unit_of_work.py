"""``InMemoryUnitOfWork``: adapter for the ``UnitOfWork`` port (and ``in_memory_units`` for
``UnitOfWorkFactory``), with the contract of the SQL unit of work, on a ``MemoryStore``.

* Aggregates loaded are fresh objects built from the stored rows: their changes reach no
  one else until ``commit``, and a unit of work left without ``commit`` changes nothing.
* ``commit`` stores the roots added and the loaded roots that changed, each only if its
  stored version is still the one it was loaded at (else ``Conflict``, and nothing at all is
  stored); then the events of every order the unit added or loaded, with seq numbers in
  commit order and ``occurred_at`` from the clock; then the keys bound and the relay position.

Thread-safe: the store's one lock is held while a query copies rows out and for the whole of
a commit (check every write, then store them all), never for a whole unit of work. Units of
work therefore interleave as PostgreSQL transactions do, and a lost race is found by its
version check, not prevented by running one unit at a time (SQLite's ``BEGIN IMMEDIATE``).
As under READ COMMITTED, each query sees what was committed when it ran; a unit's reads are
not one snapshot (O6 counts committed orders and nothing locks a customer, as in SQL).
"""

from __future__ import annotations

import bisect

from kata.hexagonal.adapters.outbound.memory import outbox
from kata.hexagonal.adapters.outbound.memory.repositories import (
    MemoryIdempotencyKeys,
    MemoryOrderRepository,
    MemoryProductRepository,
    apply,
    check,
)
from kata.hexagonal.adapters.outbound.memory.store import MemoryStore
from kata.hexagonal.application.ports.outbound import (
    Clock,
    EventRecord,
    UnitOfWork,
    UnitOfWorkFactory,
)


class InMemoryUnitOfWork:
    products: MemoryProductRepository
    orders: MemoryOrderRepository
    idempotency_keys: MemoryIdempotencyKeys

    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def __enter__(self) -> InMemoryUnitOfWork:
        self.products = MemoryProductRepository(self._store)
        self.orders = MemoryOrderRepository(self._store)
        self.idempotency_keys = MemoryIdempotencyKeys(self._store)
        self._relay_position: int | None = None  # moved in this unit, not yet committed
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Nothing to roll back: nothing reached the store before ``commit``."""

    def events_after(self, seq: int, limit: int) -> list[EventRecord]:
        with self._store.lock:
            start = bisect.bisect_right(self._store.events, seq, key=lambda row: row.seq)
            rows = self._store.events[start : start + max(limit, 0)]
        return [outbox.record(row) for row in rows]

    def relay_position(self) -> int:
        if self._relay_position is not None:
            return self._relay_position
        with self._store.lock:
            return self._store.relay_position

    def move_relay_position(self, seq: int) -> None:
        self._relay_position = seq

    def commit(self) -> None:
        products = self.products.writes()
        orders = self.orders.writes()
        store = self._store
        with store.lock:
            # Every check before the first write: a refused commit stores nothing.
            check(store.products, products, "Product")
            check(store.orders, orders, "Order")
            self.idempotency_keys.check()
            apply(store.products, products)
            apply(store.orders, orders)
            self.idempotency_keys.apply()
            now = self._clock()
            for order in self.orders.tracked:
                for event in order.take_events():
                    store.last_seq += 1
                    store.events.append(outbox.row(store.last_seq, event, now))
            if self._relay_position is not None:
                store.relay_position = self._relay_position
        self.products.saved(products)
        self.orders.saved(orders)
        self.idempotency_keys.saved()
        self._relay_position = None


def in_memory_units(store: MemoryStore, clock: Clock) -> UnitOfWorkFactory:
    """The factory to hand to ``bootstrap.use_cases``: units of work sharing ``store``."""

    def unit_of_work() -> UnitOfWork:
        return InMemoryUnitOfWork(store, clock)

    return unit_of_work
