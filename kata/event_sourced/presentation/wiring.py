"""Where the routes find what the app was built with: the event store (to run commands) and
the queries (to read)."""

from __future__ import annotations

from flask import current_app

from kata.event_sourced.application.ports import EventStores
from kata.event_sourced.projections.queries import Queries

EVENT_STORES = "kata.event_stores"
QUERIES = "kata.queries"


def stores() -> EventStores:
    found: EventStores = current_app.extensions[EVENT_STORES]
    return found


def queries() -> Queries:
    found: Queries = current_app.extensions[QUERIES]
    return found
