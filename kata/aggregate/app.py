"""The app factory: builds the database, the unit-of-work factory and the Flask app.

Nothing is built at import time: ``create_app`` is called by ``kata.variants``. This is the
one module that sees both the presentation layer and the infrastructure.
"""

from __future__ import annotations

import functools

from flask import Flask

from kata.aggregate.application.ports import UnitOfWorkFactory
from kata.aggregate.infrastructure.database import Database
from kata.aggregate.infrastructure.unit_of_work import SqlUnitOfWork
from kata.aggregate.presentation import catalogue, events, orders, payments
from kata.aggregate.presentation.problems import register_error_handlers
from kata.aggregate.presentation.wiring import UNITS_OF_WORK


def create_app(database_url: str) -> Flask:
    database = Database(database_url)
    database.create_schema()
    app = Flask(__name__)
    units: UnitOfWorkFactory = functools.partial(SqlUnitOfWork, database)  # mypy checks the port
    app.extensions[UNITS_OF_WORK] = units
    app.extensions["kata.close"] = database.close
    for blueprint in (catalogue.routes, orders.routes, payments.routes, events.routes):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    return app
