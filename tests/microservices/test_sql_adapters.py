"""The ordering service's SQL adapters. Its unit of work: when its database refuses a
transaction, a refusal because a rival transaction holds or won the database (SQLite's
"database is locked", a unique violation) is a lost race, :class:`Conflict`, which the use
case runs again; any other failure is raised as it is (a 500). The withdrawals it keeps for
recovery, and an order id no order can have."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from kata.microservices.ordering.adapters.sql.unit_of_work import SqlUnitOfWork, ordering_database
from kata.microservices.ordering.application.ports import Conflict

LOCKED = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
BROKEN = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("disk I/O error"))


class _Refusing:
    """A database whose connections fail as told: at ``begin``, or at ``commit``."""

    def __init__(self, at: str, error: Exception) -> None:
        self.engine = self
        self.closed = False
        self._at, self._error = at, error

    def connect(self) -> _Refusing:
        return self

    def begin(self) -> _Refusing:
        if self._at == "begin":
            raise self._error
        return self

    def commit(self) -> None:
        if self._at == "commit":
            raise self._error

    @property
    def is_active(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


# A rival holding the database (a lost race, run again) or any other error (raised as it is).
LOST_RACE_OR_OTHER = pytest.mark.parametrize(
    ("error", "raised"), [(LOCKED, Conflict), (BROKEN, OperationalError)], ids=["race", "other"]
)


@LOST_RACE_OR_OTHER
def test_a_transaction_that_cannot_begin_is_a_lost_race_only_if_a_rival_holds_the_database(
    error: Exception, raised: type[Exception]
) -> None:
    database: Any = _Refusing("begin", error)

    with pytest.raises(raised):
        SqlUnitOfWork(database).__enter__()

    assert database.closed  # the connection is given back


@LOST_RACE_OR_OTHER
def test_a_commit_refused_is_a_lost_race_only_if_a_rival_won(
    error: Exception, raised: type[Exception]
) -> None:
    database: Any = _Refusing("commit", error)

    with pytest.raises(raised), SqlUnitOfWork(database) as uow:
        uow.commit()


def test_withdrawals_owed_are_listed_oldest_first_then_by_write(tmp_path: Path) -> None:
    """Recovery makes the oldest withdrawal first (``Withdrawals.owed``); two owed in the
    same instant come in the order of their ids, whatever the order they were kept in."""
    database = ordering_database(f"sqlite:///{tmp_path / 'ordering.sqlite3'}")
    first = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        with SqlUnitOfWork(database) as uow:
            uow.withdrawals.owe("w-b", first + timedelta(seconds=1))
            uow.withdrawals.owe("w-z", first)
            uow.withdrawals.owe("w-a", first + timedelta(seconds=1))
            uow.commit()
        with SqlUnitOfWork(database) as uow:
            assert uow.withdrawals.owed() == ["w-z", "w-a", "w-b"]
    finally:
        database.close()


def test_an_order_id_holding_nul_is_no_orders(database_url: str) -> None:
    """No order id holds a NUL (PostgreSQL's text cannot): looking one up finds nothing (a
    404 over HTTP), on every backend, instead of failing in the database."""
    database = ordering_database(database_url)
    try:
        with SqlUnitOfWork(database) as uow:
            assert uow.orders.get("order\x00") is None
    finally:
        database.close()
