"""Recovery: a saga the ordering process left half-done when it died is compensated once
it is older than the lease, exactly once, however many processes recover at the same time;
and a late copy of an old hold never moves stock again (reservations are versioned)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, update

from kata.microservices.ordering.adapters.sql.tables import sagas
from kata.microservices.ordering.application import recovery
from kata.microservices.ordering.application.recovery import LEASE, RecoveryWorker, recover
from kata.microservices.ordering.application.sagas import Services
from tests.microservices.shop import Crash, Shop, assert_unavailable, open_shop
from tests.microservices.test_saga_faults import (
    CHANGES,
    Before,
    _assert_nothing_changed,
    _before,
)

NOW = timedelta(0)


def _age_the_log(url: str) -> None:
    """Every saga in the log started an hour ago: older than the lease."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
            connection.execute(update(sagas).values(started_at=an_hour_ago))
    finally:
        engine.dispose()


def _crash_after_the_hold(shop: Shop, change_name: str) -> Before:
    """The change made on a new order; the process dies once inventory has taken its hold."""
    change = CHANGES[change_name]
    before = _before(shop, change)
    shop.inventory.fail("hold", "crash", times=1)
    with pytest.raises(Crash):
        change.send(shop, before.order)
    assert len(shop.sagas()) == 1
    return before


@pytest.mark.parametrize("change_name", CHANGES)
def test_a_crash_between_the_hold_and_step_3_is_compensated_by_recovery(
    change_name: str, database_url: str
) -> None:
    """The process dies once inventory has taken the hold, before the order is saved: stock
    is held for nothing until recovery, which gives it back once the lease has passed."""
    change = CHANGES[change_name]
    with open_shop(database_url) as shop:
        before = _before(shop, change)
        shop.inventory.fail("hold", "crash", times=1)

        with pytest.raises(Crash):
            change.send(shop, before.order)

        assert len(shop.sagas()) == 1
        assert shop.stock() != before.stock  # held in inventory, not in ordering
        assert recover(shop.services) == 0  # younger than the lease: perhaps still running
        assert recover(shop.services, older_than=NOW) == 1
        assert recover(shop.services, older_than=NOW) == 0
        assert len(shop.inventory.calls("undo")) == 1
        _assert_nothing_changed(shop, before)
        assert shop.sagas() == []
        # The order goes on as if nothing happened: the change can be made again.
        assert change.send(shop, before.order).status_code in (200, 201)
        shop.assert_conserved()


def test_two_recoveries_claim_a_saga_once(database_url: str) -> None:
    """Two processes read the log at the same moment and both find the saga; claiming is a
    compare-and-set, so only one of them takes it."""
    with open_shop(database_url) as shop:
        _crash_after_the_hold(shop, "place")
        found = []
        for _ in range(2):
            with shop.services.units() as uow:
                found.append(uow.sagas.stale(datetime.now(UTC)))
        claimed = []
        for stale in found:
            with shop.services.units() as uow:
                claimed.append(uow.sagas.claim(stale[0]))
                uow.commit()

        assert claimed == [True, False]


def test_a_recovery_running_while_another_compensates_leaves_the_saga_alone(
    database_url: str,
) -> None:
    """The second process looks at the log while the first one's compensation is in
    inventory: the claim renewed the saga's lease, so it is not taken twice."""
    url = database_url
    with open_shop(url) as shop:
        before = _crash_after_the_hold(shop, "place")
        _age_the_log(url)
        second: list[int] = []
        shop.inventory.meanwhile["undo"] = lambda: second.append(recover(shop.services))

        first = recover(shop.services)

        assert (first, second) == (1, [0])
        assert len(shop.inventory.calls("undo")) == 1
        _assert_nothing_changed(shop, before)


def test_recoveries_started_together_compensate_once(database_url: str) -> None:
    url = database_url
    with open_shop(url) as shop:
        before = _crash_after_the_hold(shop, "cancel")
        _age_the_log(url)
        together = threading.Barrier(2)
        done: list[int] = []

        def recovering() -> None:
            together.wait(10)
            done.append(recover(shop.services))

        threads = [threading.Thread(target=recovering) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        assert sorted(done) == [0, 1]
        _assert_nothing_changed(shop, before)
        assert shop.sagas() == []


def test_a_late_copy_of_an_old_hold_moves_no_stock(tmp_path: Path) -> None:
    """Copies of earlier holds arrive at inventory after newer ones (a retry that was slow
    on the network): each is answered, and none moves stock again."""
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        order = shop.place({"FAULT-A": 2})
        amended = shop.client.put(f"/orders/{order['id']}/lines/FAULT-A", json={"quantity": 5})
        assert amended.status_code == 200
        shop.inventory.fail("hold", "timeout")
        refused = shop.client.put(f"/orders/{order['id']}/lines/FAULT-B", json={"quantity": 4})
        assert_unavailable(refused)  # taken, then compensated
        shop.inventory.heal()
        cancelled = shop.client.post(f"/orders/{order['id']}/cancellation")
        assert cancelled.status_code == 200
        stock = shop.stock()

        for late in shop.inventory.calls("hold") + shop.inventory.calls("undo"):
            assert shop.inventory.replay(late).status_code == 200

        assert shop.stock() == stock == {"FAULT-A": 10, "FAULT-B": 10}
        shop.assert_conserved()


def test_the_recovery_worker_compensates_at_start(database_url: str) -> None:
    """The worker each ordering process runs: its first round, at start, compensates a saga
    left older than the lease (stopping it waits for the round to end)."""
    with open_shop(database_url) as shop:
        before = _crash_after_the_hold(shop, "set-line")
        _age_the_log(database_url)
        compensated = threading.Event()
        shop.inventory.meanwhile["undo"] = compensated.set
        worker = RecoveryWorker(shop.services)

        worker.start()
        assert compensated.wait(30)
        worker.stop(timeout=30)

        _assert_nothing_changed(shop, before)
        assert shop.sagas() == []


def test_the_recovery_worker_runs_a_round_every_few_seconds(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After its first round the worker runs one every ``every_seconds``: a saga left half-done
    while the process runs is compensated too, not only those found at start."""
    with open_shop(database_url) as shop:
        rounds = threading.Semaphore(0)

        def counted(services: Services, older_than: timedelta = LEASE) -> int:
            done = recover(services, older_than)
            rounds.release()
            return done

        monkeypatch.setattr(recovery, "recover", counted)
        worker = RecoveryWorker(shop.services, every_seconds=0.01)
        worker.start()
        try:
            assert rounds.acquire(timeout=30)  # the round at start, before any saga
            before = _crash_after_the_hold(shop, "set-line")
            compensated = threading.Event()
            shop.inventory.meanwhile["undo"] = compensated.set
            _age_the_log(database_url)
            assert compensated.wait(10)
        finally:
            worker.stop(timeout=30)

        _assert_nothing_changed(shop, before)
        assert shop.sagas() == []


def test_a_request_whose_saga_recovery_took_is_answered_503(database_url: str) -> None:
    """A request so slow that recovery compensated its saga meanwhile (another process, the
    lease passed): its step 3 finds the saga gone, so it saves nothing and says 503; the
    stock it held is back, once."""
    with open_shop(database_url) as shop:
        before = _before(shop, CHANGES["place"])
        recovered: list[int] = []
        shop.inventory.meanwhile["hold"] = lambda: recovered.append(
            recover(shop.services, older_than=NOW)
        )

        assert_unavailable(CHANGES["place"].send(shop, None))

        assert recovered == [1]
        _assert_nothing_changed(shop, before)
        assert shop.sagas() == []


def test_a_placement_refused_for_want_of_inventory_keeps_its_key_free(database_url: str) -> None:
    """O12: only a placement that succeeds binds its Idempotency-Key; one answered 503 can
    be sent again with the same key once inventory is back, and places the order once."""
    with open_shop(database_url) as shop:
        body = {"customer_id": "k", "lines": [{"sku": "FAULT-A", "quantity": 1}]}
        key = {"Idempotency-Key": "key-1"}
        shop.inventory.fail("hold", "timeout")

        assert_unavailable(shop.client.post("/orders", json=body, headers=key))
        shop.inventory.heal()
        placed = shop.client.post("/orders", json=body, headers=key)
        again = shop.client.post("/orders", json=body, headers=key)

        assert (placed.status_code, again.status_code) == (201, 201)
        assert again.get_json() == placed.get_json()
        assert len(shop.client.get("/orders?customer_id=k").get_json()["orders"]) == 1
        shop.assert_conserved()


def _cancel_then_sell_what_it_gave_back(shop: Shop) -> dict[str, Any]:
    """A cancellation whose process dies once inventory has given its 4 units back; before
    recovery runs, another order buys every unit of the product."""
    order = shop.place({"FAULT-A": 4})
    shop.inventory.fail("hold", "crash", times=1)
    with pytest.raises(Crash):
        shop.client.post(f"/orders/{order['id']}/cancellation")
    shop.place({"FAULT-A": shop.stock()["FAULT-A"]}, customer="quick")
    return order


def test_a_saga_recovery_cannot_compensate_does_not_hold_up_the_others(
    database_url: str,
) -> None:
    """A saga that can be neither undone (the stock it gave back is sold) nor completed (the
    order was paid and shipped meanwhile: no longer cancellable) is left in the log, and the
    round goes on: the other sagas are compensated all the same."""
    with open_shop(database_url) as shop:
        before = _crash_after_the_hold(shop, "remove-line")
        assert before.order is not None
        stuck = _cancel_then_sell_what_it_gave_back(shop)
        payment = {"payment_id": "pay-stuck", "order_id": stuck["id"], "outcome": "succeeded"}
        paid = shop.client.post("/payment-events", json={**payment, "amount": stuck["total"]})
        shipped = shop.client.post(f"/orders/{stuck['id']}/shipment")
        assert (paid.status_code, shipped.status_code) == (200, 200)

        assert recover(shop.services, older_than=NOW) == 1

        assert [saga.order_id for saga in shop.sagas()] == [stuck["id"]]
        assert shop.order(before.order["id"]) == before.order


def test_a_cancellation_left_half_done_is_completed_when_it_cannot_be_undone(
    database_url: str,
) -> None:
    with open_shop(database_url) as shop:
        order = _cancel_then_sell_what_it_gave_back(shop)

        recover(shop.services, older_than=NOW)

        assert shop.order(order["id"])["status"] == "CANCELLED"
        shop.assert_conserved()
        assert shop.sagas() == []


# Each change that gives units back (from an order of 4 FAULT-A and 1 FAULT-B): the status,
# cancel reason and lines the order shows once it is made.
GIVING_BACK: dict[str, tuple[str, str | None, dict[str, int]]] = {
    "payment-failed": ("CANCELLED", "payment-failed", {"FAULT-A": 4, "FAULT-B": 1}),
    "remove-line": ("PENDING_PAYMENT", None, {"FAULT-B": 1}),
    "set-line": ("PENDING_PAYMENT", None, {"FAULT-A": 1, "FAULT-B": 1}),
}


def _give_back(shop: Shop, change_name: str, order: dict[str, Any]) -> None:
    if change_name == "payment-failed":
        event = {"payment_id": "pay-1", "order_id": order["id"], "outcome": "failed"}
        shop.client.post("/payment-events", json={**event, "amount": order["total"]})
    elif change_name == "remove-line":
        shop.client.delete(f"/orders/{order['id']}/lines/FAULT-A")
    else:
        shop.client.put(f"/orders/{order['id']}/lines/FAULT-A", json={"quantity": 1})


@pytest.mark.parametrize("change_name", GIVING_BACK)
def test_a_change_left_half_done_is_completed_when_it_cannot_be_undone(
    database_url: str, change_name: str
) -> None:
    """As for a cancellation: the process dies once inventory has given the units back, they
    are sold before recovery runs, so recovery makes the change with the saga's ``redo``."""
    with open_shop(database_url) as shop:
        order = shop.place({"FAULT-A": 4, "FAULT-B": 1})
        shop.inventory.fail("hold", "crash", times=1)
        with pytest.raises(Crash):
            _give_back(shop, change_name, order)
        shop.place({"FAULT-A": shop.stock()["FAULT-A"]}, customer="quick")

        recover(shop.services, older_than=NOW)

        after = shop.order(order["id"])
        lines = {line["sku"]: line["quantity"] for line in after["lines"]}
        assert (after["status"], after["cancel_reason"], lines) == GIVING_BACK[change_name]
        shop.assert_conserved()
        assert shop.sagas() == []
