"""``SqlEventStore``: one transaction on the log (the application's ``EventStore`` port).

Reading a stream is ``SELECT … WHERE stream = … ORDER BY version``; appending is an
``INSERT`` at the versions after the one expected, and the unique (stream, version) key
refuses a rival who appended first. At commit, in one transaction: take the next positions
(the counter's row lock orders the log by commit), insert the events, and hand them to the
projections so that every read after the answer sees them. Events are never updated or
deleted; ``tests/event_sourced/test_append_only.py`` watches every statement to prove it.

Products are read from their latest snapshot on (``read_since_snapshot``): one statement
returns the snapshot row and the events after it, so the two always agree, even while a
rival commits between two statements (PostgreSQL's READ COMMITTED).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    CompoundSelect,
    Connection,
    RootTransaction,
    String,
    and_,
    bindparam,
    cast,
    func,
    insert,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import DBAPIError

from kata.event_sourced.application.ports import Conflict, Recorded, SinceSnapshot
from kata.event_sourced.domain.events import DomainEvent
from kata.event_sourced.domain.snapshots import ProductSnapshot
from kata.event_sourced.eventstore import codec
from kata.event_sourced.eventstore.database import Database, lost_a_race
from kata.event_sourced.eventstore.tables import events, positions, snapshots

# What the projections do with newly recorded events, in the appending transaction.
Projector = Callable[[Connection, Sequence[Recorded]], None]
# How the projections count a customer's unpaid orders (O6), in the same transaction.
OpenOrders = Callable[[Connection, str], int]

# Built once, at import: building a statement costs more than running it.
_READ = (
    select(events.c.stream, events.c.type, events.c.data, events.c.occurred_at)
    .where(events.c.stream.in_(bindparam("streams", expanding=True)))
    .order_by(events.c.stream, events.c.version)
)


def _reading_since_snapshot() -> CompoundSelect[tuple[str, int, str, str, str]]:
    """A stream's rows in version order: its latest snapshot, if any (occurred_at NULL), then
    the events after it, for every stream asked for.

    The events after a snapshot are found by the (stream, version) key, from the snapshot's
    version on: the history before it is never read, so a product that sold for years loads
    as fast as a new one. (Compared with a version taken from a subquery per row, the
    database would read the whole stream to find the tail: snapshots would save the replay
    but not the reading.)
    """
    # One row per stream asked for (its first event, found by key), with its latest
    # snapshot's version: 0 for a stream that has none yet.
    latest_snapshot = (
        select(func.coalesce(func.max(snapshots.c.version), 0))
        .where(snapshots.c.stream == events.c.stream)
        .scalar_subquery()
    )
    latest = (
        select(events.c.stream, latest_snapshot.label("version"))
        .where(events.c.stream.in_(bindparam("streams", expanding=True)), events.c.version == 1)
        .cte("latest")
    )
    return union_all(
        select(
            snapshots.c.stream.label("stream"),  # labelled: the ORDER BY names them
            snapshots.c.version.label("version"),
            snapshots.c.type,
            snapshots.c.data,
            cast(null(), String).label("occurred_at"),
        ).join(
            latest,
            and_(snapshots.c.stream == latest.c.stream, snapshots.c.version == latest.c.version),
        ),
        select(
            events.c.stream,
            events.c.version,
            events.c.type,
            events.c.data,
            events.c.occurred_at,
        ).join(
            latest, and_(events.c.stream == latest.c.stream, events.c.version > latest.c.version)
        ),
    ).order_by("stream", "version")


_READ_SINCE_SNAPSHOT = _reading_since_snapshot()
_TAKE_POSITIONS = (
    update(positions)
    .where(positions.c.id == 1)
    .values(last=positions.c.last + bindparam("count"))
    .returning(positions.c.last)
)
_INSERT = insert(events)
_INSERT_SNAPSHOT = insert(snapshots)


class SqlEventStore:
    def __init__(self, database: Database, project: Projector, open_orders: OpenOrders) -> None:
        self._database = database
        self._project = project
        self._open_orders = open_orders
        self._staged: list[tuple[str, int, DomainEvent]] = []  # (stream, version, event)
        self._snapshots: list[dict[str, object]] = []  # rows of es_snapshots

    def __enter__(self) -> SqlEventStore:
        self._connection: Connection = self._database.engine.connect()
        try:
            self._transaction: RootTransaction = self._connection.begin()
        except DBAPIError as error:
            self._connection.close()
            raise _conflict_or(error) from error
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._transaction.is_active:
            self._transaction.rollback()
        self._connection.close()
        error = exc_info[1]
        if isinstance(error, DBAPIError) and lost_a_race(error):
            raise Conflict(str(error.orig)) from error

    def read(self, streams: Sequence[str], *, lock: bool = False) -> dict[str, list[DomainEvent]]:
        if lock:
            self._database.lock_streams(self._connection, streams)
        found: dict[str, list[DomainEvent]] = {}
        for row in self._connection.execute(_READ, {"streams": list(streams)}):
            at = datetime.fromisoformat(row.occurred_at)
            found.setdefault(row.stream, []).append(
                codec.decode(row.type, row.stream, row.data, at)
            )
        return found

    def read_since_snapshot(
        self, streams: Sequence[str], *, lock: bool = False
    ) -> dict[str, SinceSnapshot]:
        if lock:
            self._database.lock_streams(self._connection, streams)
        found: dict[str, SinceSnapshot] = {}
        for row in self._connection.execute(_READ_SINCE_SNAPSHOT, {"streams": list(streams)}):
            if row.occurred_at is None:  # the snapshot: its stream's first row
                snapshot = codec.decode_snapshot(row.stream, row.data)
                found[row.stream] = SinceSnapshot(snapshot, row.version, [])
                continue
            at = datetime.fromisoformat(row.occurred_at)
            since = found.setdefault(row.stream, SinceSnapshot(None, 0, []))
            since.events.append(codec.decode(row.type, row.stream, row.data, at))
        return found

    def append(self, stream: str, expected_version: int, events: Sequence[DomainEvent]) -> None:
        first = expected_version + 1
        self._staged.extend((stream, first + i, event) for i, event in enumerate(events))

    def keep_snapshot(self, stream: str, version: int, snapshot: ProductSnapshot) -> None:
        type_name, data = codec.encode_snapshot(snapshot)
        self._snapshots.append(
            {"stream": stream, "version": version, "type": type_name, "data": data}
        )

    def open_orders(self, customer_id: str) -> int:
        return self._open_orders(self._connection, customer_id)

    def commit(self) -> None:
        if self._staged:
            self._project(self._connection, self._record())
        if self._snapshots:
            self._connection.execute(_INSERT_SNAPSHOT, self._snapshots)
        self._transaction.commit()

    def _record(self) -> list[Recorded]:
        """Insert the staged events at the next positions, as one batch."""
        staged, self._staged = self._staged, []
        last = self._connection.scalar(_TAKE_POSITIONS, {"count": len(staged)})
        assert last is not None, "the positions counter is seeded with the schema"
        now = datetime.now(UTC)
        recorded = []
        rows = []
        for position, (stream, version, event) in enumerate(staged, last - len(staged) + 1):
            type_name, data, occurred_at = codec.encode(event)
            at = occurred_at or now
            rows.append(
                {
                    "position": position,
                    "stream": stream,
                    "version": version,
                    "type": type_name,
                    "occurred_at": at.isoformat(),
                    "data": data,
                }
            )
            recorded.append(Recorded(position, stream, version, at, event))
        self._connection.execute(_INSERT, rows)
        return recorded


def _conflict_or(error: DBAPIError) -> Exception:
    return Conflict(str(error.orig)) if lost_a_race(error) else error
