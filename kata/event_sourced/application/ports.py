"""What the commands need from storage, as protocols: an event store, one transaction at a
time. ``eventstore`` implements it; ``app.py`` wires in the projections it updates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kata.event_sourced.domain.events import DomainEvent


class Conflict(Exception):
    """A rival transaction appended to a stream this one expected unchanged: refused whole."""


@dataclass(frozen=True)
class Recorded:
    """An event as the log holds it: its place in the log, in its stream, and its time."""

    position: int  # in commit order, across every stream (gaps allowed)
    stream: str
    version: int  # 1 for a stream's first event
    occurred_at: datetime
    event: DomainEvent


class EventStore(Protocol):
    """One transaction on the log. Appends are staged and written by ``commit``, which also
    brings the projections up to date, in the same transaction."""

    def read(self, streams: Sequence[str], *, lock: bool = False) -> dict[str, list[DomainEvent]]:
        """The events of these streams, each in stream order; a stream with no events is left
        out. ``lock``: rivals that want the same streams with a lock wait for this transaction
        to end instead of losing the race at commit (placing an order: hot products)."""
        ...

    def append(self, stream: str, expected_version: int, events: Sequence[DomainEvent]) -> None:
        """Stage events for ``stream``; ``commit`` raises :class:`Conflict` if by then the
        stream has gone past ``expected_version``."""
        ...

    def open_orders(self, customer_id: str) -> int:
        """How many orders of this customer are unpaid, as committed (O6, from a projection)."""
        ...

    def commit(self) -> None: ...
    def __enter__(self) -> EventStore: ...
    def __exit__(self, *exc_info: object) -> None: ...


class EventStores(Protocol):
    def __call__(self) -> EventStore: ...
