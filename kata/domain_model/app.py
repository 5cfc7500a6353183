"""The app factory: builds the database and the Flask app, and wires one to the other.

Nothing is built at import time: ``create_app`` is called by ``kata.variants``.
"""

from __future__ import annotations

from flask import Flask

from kata.domain_model.persistence.database import Database
from kata.domain_model.presentation import catalogue, events, orders, payments
from kata.domain_model.presentation.problems import register_error_handlers
from kata.domain_model.presentation.wiring import DATABASE


def create_app(database_url: str) -> Flask:
    database = Database(database_url)
    database.create_schema()
    app = Flask(__name__)
    app.extensions[DATABASE] = database
    app.extensions["kata.close"] = database.close
    for blueprint in (catalogue.routes, orders.routes, payments.routes, events.routes):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    return app
