"""Every variant on one database (spec section 6: data lives where ``--database-url`` says).

A black-box run, or a workshop with one PostgreSQL server, may point every variant at the same
database. The variants keep different tables under similar names, so each prefixes its own:
they live side by side, and none sees another's products, orders or events.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from kata import variants
from tests.backends import backends, fresh_database

PRODUCT = {"sku": "SHARED-1", "name": "On one database", "price": "2.50", "stock": 5}
ORDER = {"customer_id": "shared", "lines": [{"sku": "SHARED-1", "quantity": 1}]}


@pytest.fixture(params=backends())
def apps_on_one_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[Flask]]:
    with fresh_database(request.param, tmp_path) as url:
        apps = [variants.create_app(name, url) for name in variants.names()]
        try:
            yield apps
        finally:
            for app in apps:
                variants.close_app(app)


def test_every_variant_keeps_its_own_data_in_a_database_they_share(
    apps_on_one_database: list[Flask],
) -> None:
    # Each in turn sells the same SKU to the same customer: each from its own catalogue.
    for app in apps_on_one_database:
        client = app.test_client()
        registered = client.post("/products", json=PRODUCT)
        placed = client.post("/orders", json=ORDER)

        assert (registered.status_code, placed.status_code) == (201, 201), placed.get_data()

    for app in apps_on_one_database:
        client = app.test_client()
        orders = client.get("/orders?customer_id=shared").get_json()["orders"]
        events = client.get("/events").get_json()["events"]

        assert client.get("/products/SHARED-1").get_json()["stock"] == 4
        assert [order["total"] for order in orders] == ["2.50"]
        # Only this variant's order: seq numbers are each variant's own (gaps allowed).
        assert [event["type"] for event in events] == ["OrderPlaced"]
