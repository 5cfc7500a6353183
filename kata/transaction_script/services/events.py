"""Transaction script for reading the outbox (``GET /events``)."""

from __future__ import annotations

from sqlalchemy import Connection

from kata.transaction_script.data import events
from kata.transaction_script.records import Event
from kata.transaction_script.services.transaction import script


@script
def list_events(connection: Connection, after: int, limit: int) -> list[Event]:
    return events.after(connection, after, limit)
