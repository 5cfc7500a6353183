"""Recovery: a saga the ordering process left half-done when it died is compensated once
it is older than the lease, exactly once, however many processes recover at the same time;
and a late copy of an old hold never moves stock again (reservations are versioned)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, update

from kata.microservices.ordering.adapters.sql.orders import SqlSagaLog
from kata.microservices.ordering.adapters.sql.tables import sagas
from kata.microservices.ordering.application import recovery, use_cases
from kata.microservices.ordering.application.ports import Saga
from kata.microservices.ordering.application.recovery import LEASE, RecoveryWorker, recover
from kata.microservices.ordering.application.sagas import Services
from tests.microservices.shop import Crash, Shop, assert_unavailable, logged, open_shop
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


def test_a_round_compensates_every_stale_saga_and_logs_each(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """One round compensates every saga older than the lease, counts them, and logs each at
    INFO naming its step and its order: the operator's only record of a recovery."""
    with open_shop(database_url) as shop:
        cancelled = shop.place({"FAULT-A": 1})
        amended = shop.place({"FAULT-B": 1})
        before = _before(shop, CHANGES["place"])
        shop.inventory.fail("hold", "crash", times=2)
        for change, order in (("cancel", cancelled), ("set-line", amended)):
            with pytest.raises(Crash):
                CHANGES[change].send(shop, order)

        with caplog.at_level(logging.INFO, logger=recovery.log.name):
            assert recover(shop.services, older_than=NOW) == 2

        assert sorted(logged(caplog, recovery.log)) == [
            (logging.INFO, f"recovered the cancel saga of order {cancelled['id']}"),
            (logging.INFO, f"recovered the set-line saga of order {amended['id']}"),
        ]
        _assert_nothing_changed(shop, before)
        assert shop.sagas() == []


def test_a_change_to_an_order_whose_saga_is_left_half_done_is_answered_409(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One saga per order: until recovery has dealt with the one a crash left, every change
    to the order loses the race, and once the use case gives up the answer is 409
    ``concurrent-modification`` with its detail, never a 500."""
    monkeypatch.setattr(use_cases, "FIRST_PAUSE_SECONDS", 0)  # the same runs, no pauses
    with open_shop(database_url) as shop:
        before = _crash_after_the_hold(shop, "set-line")
        assert before.order is not None

        answer = CHANGES["cancel"].send(shop, before.order)

        assert answer.status_code == 409, answer.get_json()
        assert answer.get_json()["type"] == "urn:kata:problem:concurrent-modification"
        assert answer.get_json()["detail"] == "Too many concurrent changes; try again."
        assert shop.order(before.order["id"]) == before.order


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


def test_the_recovery_worker_runs_on_a_daemon_thread_of_its_own(tmp_path: Path) -> None:
    """Its thread is named for what it does, and a daemon: a process ending is never held
    up by it (spec section 7: the server stops within 5 seconds)."""
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        worker = RecoveryWorker(shop.services, every_seconds=60)
        worker.start()
        try:
            named = [t for t in threading.enumerate() if t.name == "kata-saga-recovery"]
            assert [thread.daemon for thread in named] == [True]
        finally:
            worker.stop(timeout=30)
        assert not named[0].is_alive()


def test_stopping_the_recovery_worker_waits_no_longer_than_told(database_url: str) -> None:
    """A round held up (inventory slow to answer a compensation) does not hold up the process
    stopping: ``stop`` returns once its timeout has passed; the round ends when it can."""
    with open_shop(database_url) as shop:
        before = _crash_after_the_hold(shop, "cancel")
        _age_the_log(database_url)
        shop.inventory.fail("undo", "hang", times=1)
        worker = RecoveryWorker(shop.services)
        worker.start()
        try:
            assert shop.inventory.hanging.wait(30)
            stopping = threading.Thread(target=worker.stop, kwargs={"timeout": 0.05})
            stopping.start()
            stopping.join(10)
            assert not stopping.is_alive()  # returned while the round still waits
        finally:
            shop.inventory.released.set()
            worker.stop(timeout=30)

        _assert_nothing_changed(shop, before)
        assert shop.sagas() == []


def test_the_recovery_worker_logs_a_round_that_fails_and_tries_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A round that fails (its database did not answer) is logged as an error, naming the
    task and with its traceback, and the next round runs all the same."""
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        failure = RuntimeError("the database did not answer")
        stale = SqlSagaLog.stale

        def failing_once(log: SqlSagaLog, started_before: datetime) -> list[Saga]:
            monkeypatch.setattr(SqlSagaLog, "stale", stale)  # the next round finds the log
            raise failure

        monkeypatch.setattr(SqlSagaLog, "stale", failing_once)
        worker = RecoveryWorker(shop.services, every_seconds=0.01)
        withdrawing_rounds = threading.Semaphore(0)

        def withdrawing(services: Services) -> int:
            withdrawing_rounds.release()
            return 0

        monkeypatch.setattr(recovery, "withdraw_owed", withdrawing)
        with caplog.at_level(logging.INFO, logger=recovery.log.name):
            worker.start()
            try:
                assert withdrawing_rounds.acquire(timeout=30)  # the failing round's other task
                assert withdrawing_rounds.acquire(timeout=30)  # and the next round
            finally:
                worker.stop(timeout=30)

        [failed] = [record for record in caplog.records if record.levelno >= logging.ERROR]
        assert (failed.name, failed.getMessage()) == (
            recovery.log.name,
            "recover failed; trying again",
        )
        assert failed.exc_info is not None
        assert failed.exc_info[1] is failure


def test_a_request_whose_saga_recovery_took_is_answered_503(database_url: str) -> None:
    """A request so slow that recovery compensated its saga meanwhile (another process, the
    lease passed): its step 3 finds the saga gone, so it saves nothing and says 503, and why;
    the stock it held is back, once."""
    with open_shop(database_url) as shop:
        before = _before(shop, CHANGES["place"])
        recovered: list[int] = []
        shop.inventory.meanwhile["hold"] = lambda: recovered.append(
            recover(shop.services, older_than=NOW)
        )

        answer = CHANGES["place"].send(shop, None)

        assert_unavailable(answer)
        assert answer.get_json()["detail"] == "The change was undone while it waited; try again."

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
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A saga that can be neither undone (the stock it gave back is sold) nor completed (the
    order was paid and shipped meanwhile: no longer cancellable) is left in the log, logged
    as an error with the order's refusal, and the round goes on: the other sagas are
    compensated all the same."""
    with open_shop(database_url) as shop:
        before = _crash_after_the_hold(shop, "remove-line")
        assert before.order is not None
        stuck = _cancel_then_sell_what_it_gave_back(shop)
        payment = {"payment_id": "pay-stuck", "order_id": stuck["id"], "outcome": "succeeded"}
        paid = shop.client.post("/payment-events", json={**payment, "amount": stuck["total"]})
        shipped = shop.client.post(f"/orders/{stuck['id']}/shipment")
        assert (paid.status_code, shipped.status_code) == (200, 200)

        with caplog.at_level(logging.INFO, logger=recovery.log.name):
            assert recover(shop.services, older_than=NOW) == 1

        assert [saga.order_id for saga in shop.sagas()] == [stuck["id"]]
        assert shop.order(before.order["id"]) == before.order
        refusal = shop.client.post(f"/orders/{stuck['id']}/cancellation").get_json()["detail"]
        assert sorted(logged(caplog, recovery.log)) == [
            (logging.INFO, f"recovered the remove-line saga of order {before.order['id']}"),
            (
                logging.ERROR,
                f"the cancel saga of order {stuck['id']} cannot be completed: {refusal}",
            ),
        ]


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
    database_url: str, change_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """As for a cancellation: the process dies once inventory has given the units back, they
    are sold before recovery runs, so recovery makes the change with the saga's ``redo``,
    and logs that it completed (not undid) that step of that order."""
    with open_shop(database_url) as shop:
        order = shop.place({"FAULT-A": 4, "FAULT-B": 1})
        shop.inventory.fail("hold", "crash", times=1)
        with pytest.raises(Crash):
            _give_back(shop, change_name, order)
        shop.place({"FAULT-A": shop.stock()["FAULT-A"]}, customer="quick")

        with caplog.at_level(logging.INFO, logger=recovery.log.name):
            assert recover(shop.services, older_than=NOW) == 1

        assert logged(caplog, recovery.log) == [
            (logging.INFO, f"completed the {change_name} saga of order {order['id']}"),
            (logging.INFO, f"recovered the {change_name} saga of order {order['id']}"),
        ]

        after = shop.order(order["id"])
        lines = {line["sku"]: line["quantity"] for line in after["lines"]}
        assert (after["status"], after["cancel_reason"], lines) == GIVING_BACK[change_name]
        shop.assert_conserved()
        assert shop.sagas() == []


def test_a_failed_payment_recovery_completed_is_known_when_it_comes_again(
    database_url: str,
) -> None:
    """O10: recovery completing a failed payment records the payment, as the request would
    have: the same event sent again is answered as before and changes nothing."""
    with open_shop(database_url) as shop:
        order = shop.place({"FAULT-A": 4, "FAULT-B": 1})
        shop.inventory.fail("hold", "crash", times=1)
        with pytest.raises(Crash):
            _give_back(shop, "payment-failed", order)
        shop.place({"FAULT-A": shop.stock()["FAULT-A"]}, customer="quick")
        assert recover(shop.services, older_than=NOW) == 1
        completed = shop.order(order["id"])
        events = shop.events()

        event = {"payment_id": "pay-1", "order_id": order["id"], "outcome": "failed"}
        again = shop.client.post("/payment-events", json={**event, "amount": order["total"]})

        assert again.status_code == 200, again.get_json()
        assert shop.order(order["id"]) == completed
        assert shop.events() == events
