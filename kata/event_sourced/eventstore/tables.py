"""The log: one table of events, appended to and never changed, and the counter that orders it.

Every table name starts with ``es_``: the variants keep different tables under the same names,
and the prefix lets them share one database (one PostgreSQL server for all of them).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

events = Table(
    "es_events",
    metadata,
    # The event's place in the whole log, in commit order: GET /events shows it as seq.
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("stream", String(100), nullable=False),  # "order/<id>", "product/<sku>", …
    Column("version", Integer, nullable=False),  # 1, 2, 3… within the stream
    Column("type", String(40), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("data", Text, nullable=False),
    # Optimistic concurrency: two transactions that both expected a stream at version n both
    # append n + 1, and the database refuses the second.
    UniqueConstraint("stream", "version", name="es_events_stream_version"),
)

# Snapshots of streams (products'): the state at a version, so that loading replays only the
# events after it. Derived from the log, and like it only ever added to: the latest counts.
snapshots = Table(
    "es_snapshots",
    metadata,
    Column("stream", String(100), primary_key=True),
    Column("version", Integer, primary_key=True),  # of the stream's last event it folds in
    Column("type", String(40), nullable=False),
    Column("data", Text, nullable=False),
)

# One row holding the last position handed out. Its row lock, taken last and held until
# commit, hands out positions in commit order (a reader never sees 7 committed before 6).
positions = Table(
    "es_positions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last", BigInteger, nullable=False),
)
