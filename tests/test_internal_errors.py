"""Spec section 5: a failure inside a variant answers 500 ``internal-error`` and gives nothing away.

Provoked by dropping every table under a running app (in process, TESTING off, so Flask's
own 500 path runs as it would in production).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from kata import variants

LEAKS = ("Traceback", "sqlite", "SELECT", "sqlalchemy", ".py", "/tmp", "products")


@pytest.fixture(params=variants.names())
def app_without_tables(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    database = tmp_path / "kata.sqlite3"
    app = variants.create_app(request.param, f"sqlite:///{database}")
    with sqlite3.connect(database) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        for (table,) in tables.fetchall():
            connection.execute(f'DROP TABLE "{table}"')
    try:
        yield app
    finally:
        variants.close_app(app)


def test_an_internal_failure_is_a_bare_internal_error_problem(app_without_tables: Flask) -> None:
    response = app_without_tables.test_client().get("/products")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "urn:kata:problem:internal-error"
    assert body["status"] == 500
    assert set(body) == {"type", "title", "status", "detail"}
    text = response.get_data(as_text=True)
    assert not [leak for leak in LEAKS if leak in text], text
