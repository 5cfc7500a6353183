"""No variant's SQL statement count grows with the number of order lines (issue 6).

Each use case of the spec runs on an order of 1 line and of 20 lines; a request that issues
more statements for 20 lines has a query per line (an N+1), which the kata must not teach.
For a variant of several services this holds for each service's own statements, and for
the HTTP calls between them (a call per line is the same mistake across a network).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from kata import variants
from kata.compare.cost import counting_statements, measure, prepare_app
from kata.compare.usecases import USE_CASES, UseCase
from tests.backends import backends, fresh_database


# One app per variant and database, shared by the use cases (an app start, on PostgreSQL a
# schema, costs more than the measuring): each use case plays rounds of its own, so its
# customers and payment ids are new to the app.
@pytest.fixture(
    scope="module", params=[(v, b) for v in variants.names() for b in backends()], ids="-".join
)
def app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    name, backend = request.param
    with fresh_database(backend, tmp_path_factory.mktemp(name)) as url:
        created = variants.create_app(name, url)
        try:
            yield prepare_app(created)
        finally:
            variants.close_app(created)


ROUNDS_PER_USE_CASE = 1000


@pytest.mark.parametrize("use_case", USE_CASES, ids=lambda u: u.name.replace(" ", "-"))
def test_statements_do_not_grow_with_lines(app: Flask, use_case: UseCase) -> None:
    first = USE_CASES.index(use_case) * ROUNDS_PER_USE_CASE
    one = measure(app, use_case, lines=1, rounds=2, first_round=first)
    twenty = measure(app, use_case, lines=20, rounds=2, first_round=first + 100)
    assert twenty.statements == one.statements, (
        f"{use_case.name}: {one.statements} statements for 1 line, {twenty.statements} for 20 lines"
    )
    assert twenty.services == one.services, f"{use_case.name}: per service"
    assert twenty.calls == one.calls, f"{use_case.name}: HTTP calls between services"


def test_the_counter_sees_every_statement(app: Flask) -> None:
    # Guards the test above against a counter that sees nothing (0 == 0 would pass).
    with counting_statements() as log:
        assert app.test_client().get("/products").status_code == 200
    assert log.count >= 1
