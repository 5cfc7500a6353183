"""Statements and requests are charged to the service that issued them (planted apps), and
a variant of several services shows each one's part."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, text

from kata.compare.collect import VariantFigures
from kata.compare.cost import OUTSIDE, Cost, counting_statements, service_name
from kata.compare.shape import Shape
from kata.compare.summary import statements_per_service


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


def test_a_variant_of_several_services_shows_each_one_s_part_in_every_use_case() -> None:
    alone = Cost("pay", 1, 6, 1.0, (("ordering", 6),), 0)
    across = Cost("place order", 1, 17, 1.0, (("ordering", 9), ("inventory", 8)), 2)
    costs = {"pay": (alone, alone), "place order": (across, across)}
    figures = VariantFigures("planted", {}, {}, costs, Shape((), ()), [], None, {})

    assert statements_per_service(figures, "place order") == (
        "17 / 17 (ordering 9 / 9, inventory 8 / 8; 2 HTTP calls)"
    )
    assert statements_per_service(figures, "pay") == "6 / 6 (ordering 6 / 6; 0 HTTP calls)"
    one_service = VariantFigures(
        "one", {}, {}, {"pay": (alone, alone)}, Shape((), ()), [], None, {}
    )
    assert statements_per_service(one_service, "pay") == "6 / 6"
