"""What the commands need from storage, as protocols: an event store, one transaction at a
time. ``eventstore`` implements it; ``app.py`` wires in the projections it updates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kata.event_sourced.domain.events import DomainEvent
from kata.event_sourced.domain.snapshots import ProductSnapshot


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


@dataclass(frozen=True)
class SinceSnapshot:
    """A stream as loaded from its latest snapshot: the snapshot and the version it was taken
    at (None and 0 when it has none), then every event after that version, in order."""

    snapshot: ProductSnapshot | None
    version: int
    events: list[DomainEvent]


class EventStore(Protocol):
    """One transaction on the log. Appends are staged and written by ``commit``, which also
    brings the projections up to date, in the same transaction."""

    def read(self, streams: Sequence[str], *, lock: bool = False) -> dict[str, list[DomainEvent]]:
        """The events of these streams, each in stream order; a stream with no events is left
        out. ``lock``: rivals that want the same streams with a lock wait for this transaction
        to end instead of losing the race at commit (placing an order: hot products)."""
        ...

    def read_since_snapshot(
        self, streams: Sequence[str], *, lock: bool = False
    ) -> dict[str, SinceSnapshot]:
        """Like :meth:`read`, but each stream from its latest snapshot on: the snapshot and
        the events after it, as one consistent read."""
        ...

    def append(self, stream: str, expected_version: int, events: Sequence[DomainEvent]) -> None:
        """Stage events for ``stream``; ``commit`` raises :class:`Conflict` if by then the
        stream has gone past ``expected_version``."""
        ...

    def keep_snapshot(self, stream: str, version: int, snapshot: ProductSnapshot) -> None:
        """Stage a snapshot of ``stream`` at ``version`` (that of its last staged event);
        ``commit`` writes it with the events, so it never gets ahead of them."""
        ...

    def open_orders(self, customer_id: str) -> int:
        """How many orders of this customer are unpaid, as committed (O6, from a projection)."""
        ...

    def commit(self) -> None: ...
    def __enter__(self) -> EventStore: ...
    def __exit__(self, *exc_info: object) -> None: ...


class EventStores(Protocol):
    def __call__(self) -> EventStore: ...
