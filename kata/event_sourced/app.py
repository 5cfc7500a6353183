"""The app factory: builds the database, the event store with its projections, the queries
and the Flask app.

Nothing is built at import time: ``create_app`` is called by ``kata.variants``. This is the
one module that sees the write side, the read side and the presentation together: it hands
the projector to the event store, so the store never imports the read side.
"""

from __future__ import annotations

import functools

from flask import Flask

from kata.event_sourced.application.ports import EventStores
from kata.event_sourced.eventstore.database import Database
from kata.event_sourced.eventstore.store import SqlEventStore
from kata.event_sourced.presentation import catalogue, events, orders, payments
from kata.event_sourced.presentation.problems import register_error_handlers
from kata.event_sourced.presentation.wiring import EVENT_STORES, QUERIES
from kata.event_sourced.projections import tables
from kata.event_sourced.projections.projector import project
from kata.event_sourced.projections.queries import Queries, open_orders
from kata.event_sourced.projections.rebuild import rebuild


def create_app(database_url: str) -> Flask:
    database = Database(database_url)
    database.create_schema(tables.metadata)
    app = Flask(__name__)
    stores: EventStores = functools.partial(  # mypy checks the port
        SqlEventStore, database, project=project, open_orders=open_orders
    )
    app.extensions[EVENT_STORES] = stores
    app.extensions[QUERIES] = Queries(database.engine)
    app.extensions["kata.close"] = database.close
    for blueprint in (catalogue.routes, orders.routes, payments.routes, events.routes):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    return app


def rebuild_projections(database_url: str) -> int:
    """Drop every read model and project the whole log again; the events projected."""
    database = Database(database_url)
    try:
        database.create_schema(tables.metadata)
        with database.engine.begin() as connection:
            return rebuild(connection)
    finally:
        database.close()
