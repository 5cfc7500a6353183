"""The SQL unit of work tells a lost race from any other failure when its transaction begins.

A ``BEGIN`` the database refuses because a rival writer holds it (SQLite's "database is
locked", PostgreSQL's serialisation failures) is a ``Conflict``: the use case runs again. Any
other failure (a disk error, a dropped connection) is not one: retrying it would only repeat
it and then call it a concurrent modification, so it stays the error it is (a 500).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from kata.aggregate.application.ports import Conflict
from kata.aggregate.infrastructure.database import Database
from kata.aggregate.infrastructure.unit_of_work import SqlUnitOfWork


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    opened = Database(f"sqlite:///{tmp_path / 'kata.sqlite3'}")
    try:
        opened.create_schema()
        yield opened
    finally:
        opened.close()


def _begin_refused_with(database: Database, monkeypatch: pytest.MonkeyPatch, message: str) -> None:
    """Every ``BEGIN`` on ``database`` fails as the driver fails it, with ``message``."""

    def refuse(connection: Any) -> None:
        raise sqlite3.OperationalError(message)

    monkeypatch.setattr(database.engine.dialect, "do_begin", refuse)


def test_a_begin_refused_because_a_rival_holds_the_database_is_a_conflict(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§6: a lost race is retried by the use case (Conflict), whatever statement lost it."""
    _begin_refused_with(database, monkeypatch, "database is locked")

    with pytest.raises(Conflict, match="database is locked"):
        SqlUnitOfWork(database).__enter__()


def test_a_begin_that_fails_for_another_reason_stays_that_failure(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§6: only a lost race is retried; a disk error is not a concurrent modification."""
    _begin_refused_with(database, monkeypatch, "disk I/O error")

    with pytest.raises(OperationalError, match="disk I/O error") as failed:
        SqlUnitOfWork(database).__enter__()

    assert not isinstance(failed.value, Conflict)
