"""§6 durability and O12: a service restarted on its database keeps what it answered.

The case starts its own app twice on a database of its own, so it runs in process only
(``tests/test_serve.py`` and ``tests/test_faults.py`` restart real servers).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.acceptance.conftest import Target
from tests.acceptance.expectations import body_of, expect_status
from tests.acceptance.own_app import own_variant, started
from tests.backends import FAST_FOLDER, fresh_database


@pytest.mark.rule("concurrency", "O10", "O12", "events")
def test_a_restart_keeps_products_orders_events_and_idempotency_keys(target: Target) -> None:
    variant = own_variant(target)
    with (
        tempfile.TemporaryDirectory(dir=FAST_FOLDER) as folder,
        fresh_database(target.backend, Path(folder)) as url,
    ):
        with started(variant, url) as shop:
            sku, customer = shop.add_product(stock=10), shop.new_customer()
            key = shop.new_idempotency_key()
            first = expect_status(shop.place_order(customer, [(sku, 2)], key), 201)
            events = shop.events_since(0)

        with started(variant, url) as shop:
            replay = expect_status(shop.place_order(customer, [(sku, 2)], key), 201)
            assert (replay.json(), replay.headers["location"]) == (
                first.json(),
                first.headers["location"],
            )
            assert shop.stock_of(sku) == 8
            assert shop.events_since(0) == events
            # Every door still works on what the first app stored: a payment, then a cancel.
            paid = body_of(shop.pay(first.json()["id"], first.json()["total"]), 200)
            assert paid["status"] == "PAID"
            body_of(shop.cancel(first.json()["id"]), 200)
            after = shop.events_since(events[-1]["seq"])
            assert [event["type"] for event in after] == ["OrderPaid", "OrderCancelled"]
