"""Statements and requests are charged to the service that issued them (planted apps)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, text

from kata.compare.cost import OUTSIDE, counting_statements, service_name


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    yield engine
    engine.dispose()


def _service(import_name: str, engine: Engine, statements: int) -> Flask:
    app = Flask(import_name)

    @app.get("/")
    def answer() -> str:
        with engine.connect() as connection:
            for _ in range(statements):
                connection.execute(text("SELECT 1"))
        return "ok"

    return app


def test_each_statement_is_charged_to_the_service_whose_request_issued_it(
    engine: Engine,
) -> None:
    back = _service("kata.planted.back.service", engine, 2)
    front = Flask("kata.planted.front.service")

    @front.get("/")
    def call_the_other() -> str:  # a call to the other service, in this thread
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert back.test_client().get("/").status_code == 200
        assert back.test_client().get("/").status_code == 200
        return "ok"

    with counting_statements() as log:
        assert front.test_client().get("/").status_code == 200

    assert log.count == 5
    assert dict(log.by_service) == {"front": 1, "back": 4}
    assert dict(log.requests) == {"front": 1, "back": 2}
    assert log.calls == 2


def test_a_statement_of_another_thread_is_not_the_request_s(engine: Engine) -> None:
    app = _service("kata.planted.alone.service", engine, 1)

    def background() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    with counting_statements() as log:
        worker = threading.Thread(target=background)
        worker.start()
        worker.join()
        assert app.test_client().get("/").status_code == 200
        with engine.connect() as connection:  # no request: no service
            connection.execute(text("SELECT 1"))

    assert dict(log.by_service) == {"alone": 1, OUTSIDE: 1}
    assert log.calls == 0


def test_a_service_is_named_by_its_module_below_the_variant() -> None:
    assert service_name(Flask("kata.microservices.inventory.service")) == "inventory"
    assert service_name(Flask("workshop.mine.ordering.service")) == "ordering"
    assert service_name(Flask("kata.transaction_script.app")) == "app"
