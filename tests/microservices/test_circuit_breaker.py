"""The proxy's circuit breaker: while inventory is down, the ordering service answers 503
at once instead of making each request wait out its timeouts, and it closes again by itself
once inventory is back."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from kata.microservices.ordering.adapters.inventory_http import FAILURES_TO_OPEN
from kata.microservices.ordering.application.recovery import recover
from kata.microservices.ordering.domain.errors import InsufficientStock
from tests.microservices.shop import ALWAYS, HANG_SECONDS, assert_unavailable, open_shop

PROMPT_SECONDS = 5.0  # answered "at once": far more than it takes, far less than hung
ORDER = {"customer_id": "c", "lines": [{"sku": "FAULT-A", "quantity": 1}]}


def test_after_five_failures_calls_fail_at_once_until_the_timeout_has_passed(
    tmp_path: Path,
) -> None:
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        for step in ("quote", "catalogue"):
            shop.inventory.fail(step, "down", ALWAYS)
        while len(shop.inventory.sent) < FAILURES_TO_OPEN:
            assert_unavailable(shop.client.post("/orders", json=ORDER))
        assert len(shop.inventory.sent) == FAILURES_TO_OPEN

        # Open: nothing reaches inventory, even once it is back, until the timeout passes.
        assert_unavailable(shop.client.post("/orders", json=ORDER))
        assert_unavailable(shop.client.get("/products"))
        shop.inventory.heal()
        assert_unavailable(shop.client.post("/orders", json=ORDER))
        assert len(shop.inventory.sent) == FAILURES_TO_OPEN

        shop.proxy.breaker.reset_timeout = 0  # its timeout has passed (set, not waited out)
        assert shop.client.post("/orders", json=ORDER).status_code == 201  # the trial call
        assert shop.client.get("/products").status_code == 200
        assert shop.proxy.breaker.current_state == "closed"
        shop.assert_conserved()


def test_a_failure_between_successes_does_not_open_the_circuit(tmp_path: Path) -> None:
    """Five failures in a row open it, not five in all."""
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        for number in range(FAILURES_TO_OPEN + 1):
            shop.inventory.fail("quote", "500", times=1)  # retried: the order is placed
            order = {**ORDER, "customer_id": f"c{number}"}
            assert shop.client.post("/orders", json=order).status_code == 201

        assert shop.proxy.breaker.current_state == "closed"
        shop.assert_conserved()


def test_a_request_waiting_on_inventory_does_not_hold_up_the_others(tmp_path: Path) -> None:
    """Each request's calls to inventory go their own way: while one waits for a slow
    answer, another is answered (a breaker that let one call through at a time would make
    every request wait out the slow one's timeouts, the very thing it is there to prevent)."""
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        shop.inventory.fail("quote", "hang", times=1)
        waiting, other = ThreadPoolExecutor(1), ThreadPoolExecutor(1)
        try:
            slow = waiting.submit(shop.client.post, "/orders", json=ORDER)
            assert shop.inventory.hanging.wait(HANG_SECONDS)
            browsing = shop.client.application.test_client()
            quick = other.submit(browsing.get, "/products").result(timeout=PROMPT_SECONDS)
        finally:
            shop.inventory.released.set()
            waiting.shutdown()
            other.shutdown()

        assert quick.status_code == 200
        assert slow.result().status_code == 201
        shop.assert_conserved()


def test_the_call_that_opens_the_circuit_keeps_its_own_failure(tmp_path: Path) -> None:
    """Four calls have failed; a cancellation's hold is then taken by inventory and its
    answer lost, the fifth failure in a row, which opens the circuit. That failure is still
    a hold that may have been taken (not "the circuit is open", which says nothing was
    sent): the saga stays in the log, and recovery gives the order its units back once
    inventory is back. Stock is conserved."""
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        order = shop.place({"FAULT-A": 2})

        def failing() -> None:
            raise ConnectionError("an earlier call that failed")

        for _ in range(FAILURES_TO_OPEN - 1):
            with pytest.raises(ConnectionError):
                shop.proxy.breaker.call(failing)
        shop.inventory.fail("hold", "timeout", times=1)

        assert_unavailable(shop.client.post(f"/orders/{order['id']}/cancellation"))

        assert shop.proxy.breaker.current_state == "open"
        assert len(shop.sagas()) == 1
        shop.inventory_back()
        assert recover(shop.services, older_than=timedelta(0)) == 1
        assert shop.order(order["id"])["status"] == order["status"]  # not cancelled
        shop.assert_conserved()


def test_refusals_in_a_row_do_not_open_the_circuit(tmp_path: Path) -> None:
    """A refusal is inventory's answer, not its failure: holds refused more times in a row
    than the breaker's five failures (requests at once whose quotes all came first) leave
    it closed, and the next order is placed."""
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        for number in range(FAILURES_TO_OPEN + 1):
            with pytest.raises(InsufficientStock):
                shop.proxy.hold(f"refused-{number}", 1, {"FAULT-A": 11})

        assert shop.proxy.breaker.current_state == "closed"
        assert shop.client.post("/orders", json=ORDER).status_code == 201
