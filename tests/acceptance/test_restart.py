"""§6 durability and O12: a service restarted on its database keeps what it answered.

The one case here starts its own app twice on a database of its own (the other cases share
one app per target, started once), so it runs in process only; a live server is not ours to
restart (``tests/test_serve.py`` and ``tests/test_faults.py`` restart real servers).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kata import variants
from tests.acceptance.conftest import Target
from tests.acceptance.contract import check_reply
from tests.acceptance.driver import CheckingDriver, InProcessDriver
from tests.acceptance.dsl import Shop
from tests.acceptance.expectations import body_of, expect_status
from tests.backends import FAST_FOLDER, fresh_database


@contextmanager
def _started(variant: str, database_url: str) -> Iterator[Shop]:
    """The variant's app started on ``database_url``, stopped on leaving."""
    app = variants.create_app(variant, database_url)
    try:
        yield Shop(CheckingDriver(InProcessDriver(app), check_reply))
    finally:
        variants.close_app(app)


@pytest.mark.rule("concurrency", "O12", "events")
def test_a_restart_keeps_products_orders_events_and_idempotency_keys(target: Target) -> None:
    if target.variant is None or target.backend == "live":
        pytest.skip("a live server is not restarted by the suite")
    with (
        tempfile.TemporaryDirectory(dir=FAST_FOLDER) as folder,
        fresh_database(target.backend, Path(folder)) as url,
    ):
        with _started(target.variant, url) as shop:
            sku, customer, key = (
                shop.add_product(stock=10),
                shop.new_customer(),
                shop.new_idempotency_key(),
            )
            first = expect_status(shop.place_order(customer, [(sku, 2)], key), 201)
            events = shop.events_since(0)

        with _started(target.variant, url) as shop:
            replay = expect_status(shop.place_order(customer, [(sku, 2)], key), 201)
            assert (replay.json(), replay.headers["location"]) == (
                first.json(),
                first.headers["location"],
            )
            assert shop.stock_of(sku) == 8
            assert shop.events_since(0) == events
            body_of(shop.cancel(first.json()["id"]), 200)
            [cancelled] = shop.events_since(events[-1]["seq"])
            assert cancelled["type"] == "OrderCancelled"
