"""The ordering service's app factory: its own database, its use cases and their saga
orchestrator, the inventory proxy it is given, and its HTTP routes."""

from __future__ import annotations

import functools

from flask import Flask

from kata.microservices.chassis.problems import register_error_handlers
from kata.microservices.ordering.adapters.http import events, orders, payments
from kata.microservices.ordering.adapters.http.wiring import SERVICES
from kata.microservices.ordering.adapters.inventory_http import HttpInventory
from kata.microservices.ordering.adapters.sql.unit_of_work import SqlUnitOfWork, ordering_database
from kata.microservices.ordering.application.errors import ApplicationError
from kata.microservices.ordering.application.ports import InventoryUnavailable, UnitOfWorkFactory
from kata.microservices.ordering.application.recovery import RecoveryWorker
from kata.microservices.ordering.application.sagas import Services
from kata.microservices.ordering.application.withdrawals import owe
from kata.microservices.ordering.domain.errors import DomainError

WORKERS = "kata.workers"


def create_app(database_url: str, inventory: HttpInventory) -> Flask:
    database = ordering_database(database_url)
    units: UnitOfWorkFactory = functools.partial(SqlUnitOfWork, database)
    services = Services(units, inventory)
    # The gateway's writes whose withdrawal inventory did not answer: kept, for recovery.
    inventory.leave_withdrawals_to(functools.partial(owe, units))
    app = Flask(__name__)
    app.extensions[SERVICES] = services
    # Sagas left half-done by a crash are compensated at start and then every few seconds.
    app.extensions[WORKERS] = [RecoveryWorker(services)]
    app.extensions["kata.close"] = database.close
    for blueprint in (orders.routes, payments.routes, events.routes):
        app.register_blueprint(blueprint)
    register_error_handlers(app, DomainError, ApplicationError, InventoryUnavailable)
    return app
