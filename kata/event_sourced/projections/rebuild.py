"""Rebuild every projection from the log: drop the read models, make them again, and project
every event in log order. The log is the truth; the read side is a cache of it that can be
thrown away (``kata projections rebuild event_sourced``)."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select

from kata.event_sourced.eventstore import codec
from kata.event_sourced.eventstore.tables import events
from kata.event_sourced.projections.projector import project
from kata.event_sourced.projections.tables import metadata

# Events are read in pages, so a long log never sits in memory whole.
PAGE = 1000
_PAGE = (
    select(events)
    .where(events.c.position > bindparam("after"))
    .order_by(events.c.position)
    .limit(PAGE)
)


def rebuild(connection: Connection) -> int:
    """Replace every read model by the projection of the whole log; the events projected."""
    metadata.drop_all(connection)
    metadata.create_all(connection)
    after, projected = 0, 0
    while rows := connection.execute(_PAGE, {"after": after}).all():
        project(connection, [codec.recorded(row) for row in rows])
        after, projected = rows[-1].position, projected + len(rows)
    return projected
