"""Table data gateway for ``events``: the outbox, written in the same transaction as the change."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from kata.transaction_script.data.tables import event_counter, events
from kata.transaction_script.records import Event

# Built once, at import: building a statement costs more than running it.
_NEXT_SEQ = (
    update(event_counter)
    .where(event_counter.c.id == 1)
    .values(last_seq=event_counter.c.last_seq + 1)
    .returning(event_counter.c.last_seq)
)
_INSERT = insert(events)
_AFTER = (
    select(events)
    .where(events.c.seq > bindparam("after"))
    .order_by(events.c.seq)
    .limit(bindparam("limit"))
)


def append(
    connection: Connection, type_: str, order_id: str, occurred_at: datetime, data: dict[str, Any]
) -> None:
    """Record one event. Call it last in a transaction: the counter's row lock is held until
    commit, so seq numbers are handed out in commit order (a reader never sees seq 7
    committed before seq 6)."""
    seq = connection.scalar(_NEXT_SEQ)
    connection.execute(
        _INSERT,
        {
            "seq": seq,
            "type": type_,
            "order_id": order_id,
            "occurred_at": occurred_at.isoformat(),
            "data": json.dumps(data, sort_keys=True),
        },
    )


def after(connection: Connection, seq: int, limit: int) -> list[Event]:
    return [
        Event(
            seq=row.seq,
            type=row.type,
            order_id=row.order_id,
            occurred_at=datetime.fromisoformat(row.occurred_at),
            data=json.loads(row.data),
        )
        for row in connection.execute(_AFTER, {"after": seq, "limit": limit})
    ]
