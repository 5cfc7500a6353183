"""All four variants on one database (spec section 6: data lives where ``--database-url`` says).

A black-box run, or a workshop with one PostgreSQL server, may point every variant at the same
database, or start several servers of one variant on a new database at once. The variants
keep different tables under similar names, so each prefixes its own: they live side by side,
and none sees another's products, orders or events. Schema creation takes a lock, so servers
starting together make the tables once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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


SERVERS = 4


@pytest.mark.parametrize("backend", backends())
@pytest.mark.parametrize("variant", variants.names())
def test_servers_starting_at_once_on_a_new_database_all_start(
    variant: str, backend: str, tmp_path: Path
) -> None:
    """Several ``kata serve`` processes started together: one makes the schema, the others
    wait for it, instead of failing on tables made under their feet."""
    ready = threading.Barrier(SERVERS)

    def start(url: str) -> Flask:
        ready.wait()
        return variants.create_app(variant, url)

    with fresh_database(backend, tmp_path) as url, ThreadPoolExecutor(SERVERS) as pool:
        apps = list(pool.map(start, [url] * SERVERS))
        try:
            clients = [app.test_client() for app in apps]
            registered = clients[0].post("/products", json=PRODUCT)
            placed = [  # a customer each: O6 caps one customer's unpaid orders at 3
                client.post("/orders", json={**ORDER, "customer_id": f"customer-{number}"})
                for number, client in enumerate(clients)
            ]
            events = clients[-1].get("/events").get_json()["events"]

            assert registered.status_code == 201
            assert [reply.status_code for reply in placed] == [201] * SERVERS
            assert [event["seq"] for event in events] == list(range(1, SERVERS + 1))
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
        assert [(event["seq"], event["type"]) for event in events] == [(1, "OrderPlaced")]
