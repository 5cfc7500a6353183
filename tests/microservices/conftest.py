"""Tests of the microservices variant's faults: the saga, its recovery and the API proxy, with
inventory failing on purpose at a chosen step (``shop.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tenacity import wait_none

from kata.microservices.ordering.adapters import inventory_http
from tests.backends import backends, fresh_database

# The shop's helpers assert; let pytest explain their failures as it does in test modules.
pytest.register_assert_rewrite("tests.microservices.shop")


@pytest.fixture(autouse=True)
def _retries_without_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The proxy retries at once: the same attempts, no time spent waiting between them."""
    monkeypatch.setattr(inventory_http, "wait_random_exponential", lambda **_: wait_none())


@pytest.fixture(params=backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database on each configured backend (PostgreSQL where one is configured):
    where rival transactions (two recoveries) really interleave."""
    with fresh_database(request.param, tmp_path) as url:
        yield url
