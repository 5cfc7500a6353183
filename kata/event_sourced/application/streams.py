"""The repository of an event-sourced model: aggregates loaded by replaying their streams, and
saved by appending the events they raised since.

It remembers every aggregate it handed out, so ``save`` appends each one's pending events
expecting the version it was loaded at: optimistic concurrency per stream. Products are
loaded from their latest snapshot, and ``save`` takes a new one each time a product's stream
passes a multiple of ``SNAPSHOT_EVERY`` events.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, cast

from kata.event_sourced.application.ports import EventStore, SinceSnapshot
from kata.event_sourced.domain.events import (
    IdempotencyKeyBound,
    OrderEvent,
    ProductEvent,
    idempotency_stream,
    order_stream,
    product_stream,
)
from kata.event_sourced.domain.order import Order
from kata.event_sourced.domain.product import Product
from kata.event_sourced.domain.stream import EventSourced
from kata.event_sourced.domain.values import Sku

_A = TypeVar("_A", bound=EventSourced[Any])

# A product is loaded from fewer than this many events. Each snapshot costs one row written
# with the events that reach it, so one placement in 10 writes one per product it takes.
SNAPSHOT_EVERY = 10


class Streams:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._tracked: dict[str, EventSourced[Any]] = {}

    def order(self, order_id: str) -> Order | None:
        if "\x00" in order_id:
            # Ids are the server's UUIDs, and PostgreSQL text cannot even hold a NUL: an id
            # with one names no order, and is never sent to the database.
            return None
        stream = order_stream(order_id)
        events = cast(list[OrderEvent], self.store.read([stream]).get(stream, []))
        return self._track(stream, Order.replay(events)) if events else None

    def products(self, skus: Iterable[Sku], *, lock: bool = False) -> dict[Sku, Product]:
        """The registered products of these SKUs, by SKU; unknown SKUs are left out."""
        streams = {product_stream(sku.code): sku for sku in sorted(set(skus))}
        found = self.store.read_since_snapshot(list(streams), lock=lock)
        return {
            streams[stream]: self._track(stream, _product(since)) for stream, since in found.items()
        }

    def binding(self, key: str) -> IdempotencyKeyBound | None:
        """The placement an ``Idempotency-Key`` is bound to (O12), if any."""
        stream = idempotency_stream(key)
        events = self.store.read([stream]).get(stream, [])
        return next((e for e in events if isinstance(e, IdempotencyKeyBound)), None)

    def add_order(self, order: Order) -> None:
        self._track(order_stream(order.id), order)

    def add_product(self, product: Product) -> None:
        self._track(product_stream(product.sku.code), product)

    def bind(self, key: str, request: str, order_id: str) -> None:
        """Bind a key to this placement: a rival binding it too loses at commit (O12)."""
        self.store.append(idempotency_stream(key), 0, [IdempotencyKeyBound(key, request, order_id)])

    def save(self) -> None:
        """Append every tracked aggregate's new events, then commit them all at once.

        In stream-name order, which puts the cause before its effects in the log: the key's
        binding, then the order's event, then the stock its products moved for it.
        """
        for stream, aggregate in sorted(self._tracked.items()):
            expected = aggregate.loaded_version
            if pending := aggregate.take_pending():
                self.store.append(stream, expected, pending)
                if isinstance(aggregate, Product) and _passes_a_snapshot(expected, pending):
                    self.store.keep_snapshot(stream, aggregate.version, aggregate.snapshot())
        self.store.commit()

    def _track(self, stream: str, aggregate: _A) -> _A:
        self._tracked[stream] = aggregate
        return aggregate


def _product(since: SinceSnapshot) -> Product:
    later = cast(list[ProductEvent], since.events)
    return Product.resume(since.snapshot, since.version, later)


def _passes_a_snapshot(expected: int, pending: list[Any]) -> bool:
    """Do the appended events take the stream past a multiple of ``SNAPSHOT_EVERY``?"""
    return (expected + len(pending)) // SNAPSHOT_EVERY > expected // SNAPSHOT_EVERY
