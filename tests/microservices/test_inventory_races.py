"""Inventory's requests that lose a race to a rival transaction (the same new SKU, the same new
reservation, or a forwarded write and its withdrawal at once: on PostgreSQL a unique
violation) run again, and are answered as if they had run alone, not as if their body were
missing."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from kata.microservices.inventory import service as inventory_service
from kata.microservices.inventory import store
from kata.microservices.inventory.store import Conflict, Inventory
from kata.microservices.ordering.adapters.inventory_http import REQUEST_ID
from tests.microservices.shop import open_shop

PRODUCT = {"sku": "RACE-1", "name": "Raced", "price": "2.00", "stock": 10}
RIVALS = 12  # requests sent at once


@dataclass(frozen=True)
class Case:
    operation: str  # the store's method that loses the race once
    method: str
    path: str
    body: dict[str, Any] | None
    status: int


CASES = {
    "register": Case("register", "POST", "/products", {**PRODUCT, "sku": "RACE-2"}, 201),
    "hold": Case("hold", "PUT", "/reservations/o-1", {"version": 1, "lines": {"RACE-1": 2}}, 200),
    "change": Case("change", "PATCH", "/products/RACE-1", {"price": "2.50"}, 200),
    "restock": Case("restock", "POST", "/products/RACE-1/restock", {"quantity": 2}, 200),
    "withdrawal": Case("withdraw", "POST", "/writes/w-1/withdrawal", None, 204),
}


@pytest.fixture
def inventory_app(tmp_path: Path) -> Iterator[Flask]:
    app = inventory_service.create_app(f"sqlite:///{tmp_path / 'inventory.sqlite3'}")
    assert app.test_client().post("/products", json=PRODUCT).status_code == 201
    try:
        yield app
    finally:
        app.extensions["kata.close"]()


@pytest.mark.parametrize("case_name", CASES)
def test_a_request_that_lost_a_race_runs_again_with_its_body(
    case_name: str, inventory_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[case_name]
    real = getattr(Inventory, case.operation)
    tries: list[object] = []

    def losing_once(self: Inventory, *args: Any) -> Any:
        tries.append(args)
        if len(tries) == 1:
            raise Conflict("a rival transaction won")
        return real(self, *args)

    monkeypatch.setattr(Inventory, case.operation, losing_once)

    answer = inventory_app.test_client().open(case.path, method=case.method, json=case.body)

    assert answer.status_code == case.status, answer.get_json()
    assert len(tries) == 2


def test_a_write_whose_id_a_rival_inserted_at_once_runs_again(
    inventory_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database's own refusal, not one raised by hand: the write's id is inserted by a
    rival in the same instant (here, in the same transaction), so keeping the write fails a
    unique constraint. That is a lost race: the request runs again, and the restock is made
    once."""
    real = store._keep
    tries: list[str | None] = []

    def rival_first(connection: Any, request: str | None, write: Any) -> Any:
        tries.append(request)
        if len(tries) == 1:
            real(connection, request, write)  # the rival's row: the insert below fails
        return real(connection, request, write)

    monkeypatch.setattr(store, "_keep", rival_first)
    client = inventory_app.test_client()

    answer = client.post(
        "/products/RACE-1/restock", json={"quantity": 2}, headers={REQUEST_ID: "w-1"}
    )

    assert answer.status_code == 200, answer.get_json()
    assert tries == ["w-1", "w-1"]
    assert client.get("/products/RACE-1").get_json()["stock"] == 12


def test_rival_registrations_of_one_sku_make_one_product(database_url: str) -> None:
    """P2 under concurrency, through the gateway: one 201, the others 409 duplicate-sku."""
    with open_shop(database_url) as shop:
        clients = [shop.client.application.test_client() for _ in range(6)]
        new = {**PRODUCT, "sku": "RACE-3"}
        with ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(lambda client: client.post("/products", json=new), clients))

        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [201, 409, 409, 409, 409, 409], [a.get_json() for a in answers]
        refused = {a.get_json()["type"] for a in answers if a.status_code == 409}
        assert refused == {"urn:kata:problem:duplicate-sku"}


@pytest.fixture
def raced_inventory(database_url: str) -> Iterator[Flask]:
    """Inventory alone on each configured backend: on PostgreSQL, rival requests really run
    side by side (SQLite lets one writer in at a time)."""
    app = inventory_service.create_app(database_url)
    assert app.test_client().post("/products", json=PRODUCT).status_code == 201
    try:
        yield app
    finally:
        app.extensions["kata.close"]()


def test_rival_restocks_of_one_product_all_count(raced_inventory: Flask) -> None:
    """P3 under concurrency: each restock adds its units, none overwrites another's."""
    clients = [raced_inventory.test_client() for _ in range(RIVALS)]

    def restock(client: Any) -> int:
        answer = client.post("/products/RACE-1/restock", json={"quantity": 1})
        return int(answer.status_code)

    with ThreadPoolExecutor(RIVALS) as pool:
        assert list(pool.map(restock, clients)) == [200] * RIVALS

    found = raced_inventory.test_client().get("/products/RACE-1").get_json()
    assert found["stock"] == 10 + RIVALS  # PRODUCT's 10, and one unit each


def test_rival_reservations_never_take_more_than_the_stock(raced_inventory: Flask) -> None:
    """O3 under concurrency: reservations of 4 units each out of 10 at once: two are held,
    the others refused (insufficient-stock), and the stock never goes below zero."""
    clients = [raced_inventory.test_client() for _ in range(RIVALS)]

    def hold(numbered: tuple[int, Any]) -> int:
        number, client = numbered
        body = {"version": 1, "lines": {"RACE-1": 4}}
        return int(client.put(f"/reservations/o-{number}", json=body).status_code)

    with ThreadPoolExecutor(RIVALS) as pool:
        statuses = sorted(pool.map(hold, enumerate(clients)))

    assert statuses == [200, 200] + [409] * (RIVALS - 2)
    found = raced_inventory.test_client().get("/products/RACE-1").get_json()
    assert found["stock"] == 2


def test_a_withdrawal_racing_reservations_loses_no_units(raced_inventory: Flask) -> None:
    """Stock conservation under concurrency: a restock's withdrawal sent while reservations
    take units at once; whether the restock is undone or stands, every unit is either in
    stock or held, none lost or made up."""
    client = raced_inventory.test_client()
    restocked = client.post(
        "/products/RACE-1/restock", json={"quantity": 5}, headers={REQUEST_ID: "w-1"}
    )
    assert restocked.status_code == 200, restocked.get_json()
    clients = [raced_inventory.test_client() for _ in range(RIVALS)]

    def send(numbered: tuple[int, Any]) -> int:
        number, rival = numbered
        if number == RIVALS // 2:
            return int(rival.post("/writes/w-1/withdrawal").status_code)
        body = {"version": 1, "lines": {"RACE-1": 1}}
        return int(rival.put(f"/reservations/o-{number}", json=body).status_code)

    with ThreadPoolExecutor(RIVALS) as pool:
        statuses = list(pool.map(send, enumerate(clients)))

    withdrawn = statuses[RIVALS // 2] == 204
    held = statuses.count(200) - (0 if withdrawn else 1)
    stock = client.get("/products/RACE-1").get_json()["stock"]
    assert stock + held == (10 if withdrawn else 15), statuses
