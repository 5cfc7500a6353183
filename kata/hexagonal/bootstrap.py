"""The composition root: the one module that sees every adapter and wires them to the ports.

Configuration picks the adapters; nothing is built at import time. Default: SQLAlchemy on
the given URL and events kept in process. With ``KATA_AMQP_URL`` set, ``kata serve`` also runs
the AMQP payment consumer and the outbox relay (see ``adapters/inbound/amqp`` and
``adapters/outbound/amqp``).
"""

from __future__ import annotations

import functools
import logging
import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Protocol

from flask import Flask

from kata.hexagonal.adapters.inbound.http import catalogue, events, orders, payments
from kata.hexagonal.adapters.inbound.http.problems import register_error_handlers
from kata.hexagonal.adapters.inbound.http.wiring import USE_CASES
from kata.hexagonal.adapters.outbound.sqlalchemy.database import Database
from kata.hexagonal.adapters.outbound.sqlalchemy.unit_of_work import SqlUnitOfWork
from kata.hexagonal.application.ports.inbound import UseCases
from kata.hexagonal.application.ports.outbound import Clock, IdGenerator, UnitOfWorkFactory
from kata.hexagonal.application.services.catalogue import CatalogueService
from kata.hexagonal.application.services.events import EventFeedService, OutboxRelay
from kata.hexagonal.application.services.ordering import OrderingService
from kata.hexagonal.application.services.payments import PaymentsService

# Configuration from the environment (kata.variants reads the database URL).
AMQP_URL = "KATA_AMQP_URL"  # a broker: consume payment results, publish events
AMQP_PAYMENT_QUEUE = "KATA_AMQP_PAYMENT_QUEUE"  # default: kata.payment-events
# Where the app keeps its background workers (not started) for ``kata serve`` to run.
WORKERS = "kata.workers"


class Worker(Protocol):
    """A background worker ``kata serve`` runs beside the HTTP server."""

    def start(self) -> None: ...
    def stop(self, timeout: float = ...) -> None: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_order_id() -> str:
    return str(uuid.uuid4())


def use_cases(
    units: UnitOfWorkFactory, clock: Clock = utc_now, ids: IdGenerator = new_order_id
) -> UseCases:
    """The inside, built on whatever outbound adapters ``units`` stands for."""
    return UseCases(
        catalogue=CatalogueService(units),
        ordering=OrderingService(units, clock, ids),
        payments=PaymentsService(units),
        events=EventFeedService(units),
    )


def background_workers(
    units: UnitOfWorkFactory, cases: UseCases, settings: Mapping[str, str] | None = None
) -> list[Worker]:
    """With ``KATA_AMQP_URL`` set: the AMQP payment consumer (a second door to ``Payments``)
    and the outbox relay publishing to ``kata.events``. Built, not started: nothing connects
    until ``kata serve`` starts them. Without a broker: none (events stay in the outbox,
    readable at ``GET /events``)."""
    settings = os.environ if settings is None else settings
    url = settings.get(AMQP_URL)
    if not url:
        return []
    # Imported only here: pika (the ``amqp`` extra) is needed only when a broker is configured.
    from kata.hexagonal.adapters.inbound.amqp.consumer import (  # noqa: PLC0415
        PAYMENT_QUEUE,
        PaymentResultConsumer,
    )
    from kata.hexagonal.adapters.outbound.amqp.relay import RelayWorker  # noqa: PLC0415

    # pika logs each failed connection attempt with a trace; the workers log one line each.
    logging.getLogger("pika").setLevel(logging.CRITICAL)
    queue = settings.get(AMQP_PAYMENT_QUEUE) or PAYMENT_QUEUE
    return [
        PaymentResultConsumer(url, cases.payments, queue),
        RelayWorker(url, lambda publisher: OutboxRelay(units, publisher).relay),
    ]


def create_app(database_url: str) -> Flask:
    """The HTTP adapter in front of the inside, with SQLAlchemy storage at ``database_url``."""
    database = Database(database_url)
    database.create_schema()
    units: UnitOfWorkFactory = functools.partial(SqlUnitOfWork, database, utc_now)
    app = Flask(__name__)
    cases = use_cases(units)
    app.extensions[USE_CASES] = cases
    app.extensions[WORKERS] = background_workers(units, cases)
    app.extensions["kata.close"] = database.close
    for blueprint in (catalogue.routes, orders.routes, payments.routes, events.routes):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    return app
