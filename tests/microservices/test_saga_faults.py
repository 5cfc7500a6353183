"""Every change that moves stock, with inventory failing at each of its steps (issue 16).

A placement asks inventory for prices (``quote``), then holds the stock (``hold``, the saga's
step 2) before the order is saved (step 3); an amendment does the same, a cancellation and a
failed payment only hold (less). Inventory down, slow or failing at a step is answered 503
``service-unavailable`` with ``Retry-After``, and nothing changed: no order, no event, the
stock as it was, no saga left in the log. Inventory's refusals are the domain's answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from kata.microservices.app import IN_PROCESS_INVENTORY
from kata.microservices.ordering.adapters.inventory_http import REQUEST_ID
from kata.microservices.ordering.adapters.sql.orders import SqlOrders
from kata.microservices.ordering.application.recovery import recover
from tests.microservices.shop import ALWAYS, FAILURES, Shop, assert_unavailable, open_shop


@dataclass(frozen=True)
class Change:
    """A request that moves stock, on an order placed first with ``lines`` (none: it places)."""

    asks_prices: bool
    lines: dict[str, int] | None
    send: Callable[[Shop, dict[str, Any] | None], Any]


def _place(shop: Shop, _order: dict[str, Any] | None) -> Any:
    body = {
        "customer_id": "c",
        "lines": [{"sku": "FAULT-A", "quantity": 2}, {"sku": "FAULT-B", "quantity": 1}],
    }
    return shop.client.post("/orders", json=body)


def _set_line(shop: Shop, order: dict[str, Any] | None) -> Any:
    assert order is not None
    return shop.client.put(f"/orders/{order['id']}/lines/FAULT-B", json={"quantity": 3})


def _remove_line(shop: Shop, order: dict[str, Any] | None) -> Any:
    assert order is not None
    return shop.client.delete(f"/orders/{order['id']}/lines/FAULT-B")


def _cancel(shop: Shop, order: dict[str, Any] | None) -> Any:
    assert order is not None
    return shop.client.post(f"/orders/{order['id']}/cancellation")


def _fail_payment(shop: Shop, order: dict[str, Any] | None) -> Any:
    assert order is not None
    event = {
        "payment_id": "p-1",
        "order_id": order["id"],
        "outcome": "failed",
        "amount": order["total"],
    }
    return shop.client.post("/payment-events", json=event)


CHANGES = {
    "place": Change(True, None, _place),
    "set-line": Change(True, {"FAULT-A": 2}, _set_line),
    "remove-line": Change(False, {"FAULT-A": 2, "FAULT-B": 1}, _remove_line),
    "cancel": Change(False, {"FAULT-A": 2}, _cancel),
    "payment-failed": Change(False, {"FAULT-A": 2}, _fail_payment),
}
STEPS = [
    (name, step)
    for name, change in CHANGES.items()
    for step in (("quote", "hold") if change.asks_prices else ("hold",))
]


@dataclass
class Before:
    """What a client could see before the change: it must see the same after a 503."""

    order: dict[str, Any] | None
    stock: dict[str, int]
    events: list[dict[str, Any]]
    orders: list[dict[str, Any]]


def _before(shop: Shop, change: Change) -> Before:
    order = None if change.lines is None else shop.place(change.lines)
    shop.inventory.sent.clear()
    orders = shop.client.get("/orders").get_json()["orders"]
    return Before(order, shop.stock(), shop.events(), orders)


def _assert_nothing_changed(shop: Shop, before: Before) -> None:
    assert shop.client.get("/orders").get_json()["orders"] == before.orders
    assert shop.stock() == before.stock
    assert shop.events() == before.events  # events exist for committed changes only
    shop.assert_conserved()


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize(("change_name", "step"), STEPS)
def test_inventory_failing_at_a_step_answers_503_and_changes_nothing(
    change_name: str, step: str, failure: str, tmp_path: Path
) -> None:
    """Down (never reached), timing out (reached, answer lost) or answering 500, every time
    it is asked: a hold that may have been taken is compensated before the answer."""
    change = CHANGES[change_name]
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        before = _before(shop, change)
        shop.inventory.fail(step, failure)

        answer = change.send(shop, before.order)

        assert_unavailable(answer)
        _assert_nothing_changed(shop, before)
        assert shop.sagas() == []
        taken = step == "hold" and failure != "down"
        assert bool(shop.inventory.calls("undo")) == taken  # compensated iff perhaps taken


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize("change_name", CHANGES)
def test_a_compensation_inventory_does_not_take_is_finished_by_recovery(
    change_name: str, failure: str, database_url: str
) -> None:
    """The hold is taken and its answer lost; inventory then stays down for the compensation
    too: 503, the saga stays in the log, and once inventory is back recovery compensates it,
    once. Stock is conserved then."""
    change = CHANGES[change_name]
    with open_shop(database_url) as shop:
        before = _before(shop, change)
        shop.inventory.fail("hold", "timeout")
        shop.inventory.fail("undo", failure)

        assert_unavailable(change.send(shop, before.order))

        left = shop.sagas()
        assert len(left) == 1, left
        assert before.order is None or left[0].order_id == before.order["id"]
        assert recover(shop.services) == 0  # younger than the lease: perhaps still running
        assert recover(shop.services, older_than=timedelta(0)) == 0  # inventory still down
        assert len(shop.sagas()) == 1
        shop.inventory_back()
        assert recover(shop.services, older_than=timedelta(0)) == 1
        assert recover(shop.services, older_than=timedelta(0)) == 0
        _assert_nothing_changed(shop, before)
        assert shop.sagas() == []


@pytest.mark.parametrize(("change_name", "step"), STEPS)
def test_a_failure_that_passes_is_retried_and_the_change_made_once(
    change_name: str, step: str, tmp_path: Path
) -> None:
    """Every call is idempotent, so the proxy sends it again: a hold that timed out after it
    was taken, sent again, moves the stock once."""
    change = CHANGES[change_name]
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        before = _before(shop, change)
        shop.inventory.fail(step, "timeout", times=1)

        answer = change.send(shop, before.order)

        assert answer.status_code in (200, 201), answer.get_json()
        assert len(shop.inventory.calls(step)) == 2
        assert len(shop.events()) == len(before.events) + 1
        assert shop.stock() != before.stock
        shop.assert_conserved()
        assert shop.sagas() == []


@pytest.mark.parametrize("change_name", CHANGES)
def test_step_3_failing_compensates_the_hold(
    change_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ordering service's own database fails at step 3: a 500 (its own failure, not
    inventory's), and the stock the hold took is given back."""
    change = CHANGES[change_name]
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        before = _before(shop, change)

        def failing(*_: object) -> None:
            raise RuntimeError("the disk is full")

        monkeypatch.setattr(SqlOrders, "add", failing)
        monkeypatch.setattr(SqlOrders, "save", failing)
        answer = change.send(shop, before.order)
        monkeypatch.undo()

        assert answer.status_code == 500, answer.get_json()
        assert len(shop.inventory.calls("undo")) == 1
        _assert_nothing_changed(shop, before)
        assert shop.sagas() == []


def test_an_amendment_after_a_compensated_one_moves_stock(tmp_path: Path) -> None:
    """Each saga takes reservation versions of its own, above every earlier one (O8: a
    late or repeated hold changes nothing): after an amendment whose hold was compensated,
    the next amendment's hold is newer than that compensation, and moves the stock."""
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        order = shop.place({"FAULT-A": 2})
        shop.inventory.fail("hold", "timeout")
        line = f"/orders/{order['id']}/lines/FAULT-A"
        assert_unavailable(shop.client.put(line, json={"quantity": 3}))
        assert len(shop.inventory.calls("undo")) == 1
        shop.inventory.heal()

        answer = shop.client.put(line, json={"quantity": 4})

        assert answer.status_code == 200, answer.get_json()
        assert shop.stock()["FAULT-A"] == 6
        shop.assert_conserved()


def test_inventory_refusing_answers_the_domain_refusal(tmp_path: Path) -> None:
    """Unknown SKUs (from the quote) and short stock (from the hold) are inventory's answers,
    not its failures: 422 and 409 naming the SKUs, nothing moved, no saga, and the circuit
    stays closed however many there are."""
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        order = shop.place({"FAULT-A": 2})
        before = _before(shop, CHANGES["place"])
        too_many = {"customer_id": "c", "lines": [{"sku": "FAULT-B", "quantity": 11}]}
        unknown = {"customer_id": "c", "lines": [{"sku": "NOPE-1", "quantity": 1}]}
        for _ in range(6):  # more than the breaker's five failures
            short = shop.client.post("/orders", json=too_many)
            assert (short.status_code, short.get_json()["skus"]) == (409, ["FAULT-B"])
            amended = shop.client.put(f"/orders/{order['id']}/lines/FAULT-A", json={"quantity": 11})
            assert amended.get_json()["type"].endswith("insufficient-stock")
            missing = shop.client.post("/orders", json=unknown)
            assert (missing.status_code, missing.get_json()["skus"]) == (422, ["NOPE-1"])

        _assert_nothing_changed(shop, before)
        assert shop.sagas() == []
        assert shop.proxy.breaker.current_state == "closed"


def test_a_product_withdrawn_between_quote_and_hold_is_refused_as_unknown(
    tmp_path: Path,
) -> None:
    """O3 from the hold, not the quote: the product is priced, then its registration is
    withdrawn (a forwarded write whose answer was lost) before the hold arrives. Inventory's
    422 is the domain's answer: unknown-product naming the SKU, with a detail, nothing
    moved, no saga, the circuit closed."""
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        before = _before(shop, CHANGES["place"])  # FAULT-NEW is not there after either
        new = {"sku": "FAULT-NEW", "name": "New", "price": "1.00", "stock": 5}
        registered = shop.inventory.replay(
            httpx.Request(
                "POST", f"{IN_PROCESS_INVENTORY}/products", headers={REQUEST_ID: "w-1"}, json=new
            )
        )
        assert registered.status_code == 201, registered.json()
        withdrawal = httpx.Request("POST", f"{IN_PROCESS_INVENTORY}/writes/w-1/withdrawal")
        shop.inventory.meanwhile["quote"] = lambda: shop.inventory.replay(withdrawal)

        answer = shop.client.post(
            "/orders", json={"customer_id": "c", "lines": [{"sku": "FAULT-NEW", "quantity": 1}]}
        )

        body = answer.get_json()
        assert (answer.status_code, body["type"]) == (422, "urn:kata:problem:unknown-product")
        assert body["skus"] == ["FAULT-NEW"]
        assert isinstance(body["detail"], str), body
        assert len(shop.inventory.calls("hold")) == 1
        _assert_nothing_changed(shop, before)
        assert shop.sagas() == []
        assert shop.proxy.breaker.current_state == "closed"


def test_what_needs_no_stock_is_answered_while_inventory_is_down(tmp_path: Path) -> None:
    """A failure does not spread: reads, a payment and a shipment need the ordering service
    alone; the domain's refusals come before inventory is asked (no 503 for them)."""
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        shipped = shop.place({"FAULT-A": 1}, customer="a")
        single = shop.place({"FAULT-B": 1}, customer="b")
        shop.inventory.fail("quote", "down", ALWAYS)
        shop.inventory.fail("hold", "down", ALWAYS)
        shop.inventory.fail("catalogue", "down", ALWAYS)
        shop.inventory.sent.clear()
        payment = {
            "payment_id": "p",
            "order_id": shipped["id"],
            "outcome": "succeeded",
            "amount": shipped["total"],
        }

        assert shop.client.post("/payment-events", json=payment).status_code == 200
        assert shop.client.post(f"/orders/{shipped['id']}/shipment").status_code == 200
        cancelled = shop.client.post(f"/orders/{shipped['id']}/cancellation")
        last = shop.client.delete(f"/orders/{single['id']}/lines/FAULT-B")
        assert shop.client.get(f"/orders/{single['id']}").status_code == 200
        assert shop.client.get("/events").status_code == 200

        assert (cancelled.status_code, cancelled.get_json()["type"]) == (
            409,
            "urn:kata:problem:invalid-state",
        )
        assert (last.status_code, last.get_json()["type"]) == (409, "urn:kata:problem:last-line")
        assert shop.inventory.sent == []
        assert_unavailable(shop.client.get("/products"))  # the catalogue is inventory's
        assert_unavailable(shop.client.post("/products/FAULT-A/restock", json={"quantity": 1}))
        shop.inventory_back()
        shop.assert_conserved()
