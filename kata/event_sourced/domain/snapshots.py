"""Snapshots (the *Snapshot* pattern of event sourcing): an aggregate's state at one version of
its stream, so that loading it replays only the events after that version.

Only products have them: every order that takes a product adds to its stream, so a product
that sells well would otherwise be replayed from its registration at every load. A snapshot
is derived data, not a fact: the events still say why the stock is what it is, and losing
every snapshot costs only time (loading falls back to the whole stream).
"""

from __future__ import annotations

from dataclasses import dataclass

from kata.event_sourced.domain.money import Money


@dataclass(frozen=True)
class ProductSnapshot:
    """A product as the first ``version`` events of its stream left it (the store keeps the
    version beside it)."""

    sku: str  # names the stream, like an event's first field
    name: str
    price: Money
    stock: int
