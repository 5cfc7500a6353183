"""The inventory service's app factory: its own database, its own tables, its own API."""

from __future__ import annotations

from flask import Flask

from kata.microservices.chassis.database import Database
from kata.microservices.chassis.problems import register_error_handlers
from kata.microservices.inventory import api
from kata.microservices.inventory.stock import Refusal
from kata.microservices.inventory.store import Inventory
from kata.microservices.inventory.tables import metadata


def create_app(database_url: str) -> Flask:
    database = Database(database_url, metadata)
    database.create_schema()
    app = Flask(__name__)
    app.extensions[api.INVENTORY] = Inventory(database)
    app.extensions["kata.close"] = database.close
    app.register_blueprint(api.routes)
    register_error_handlers(app, Refusal)
    return app
