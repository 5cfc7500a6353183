"""Recovery: a saga left half-done (the process died between its steps, or inventory was
down when it had to be compensated) is compensated — or, when it gave units back that are
sold since and so cannot be undone, completed — exactly once. Each round also makes the
withdrawals owed (:mod:`withdrawals`).

It runs when the service starts and then periodically. A saga is left alone until it is
older than the lease, longer than any request can take: a request still running in another
process (two servers on one database) is never undone under its feet. Claiming a saga is a
compare-and-set in the log, so two recovering processes never both take it, and step 3 of a
late request (``finish``) fails once recovery has claimed it.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from kata.microservices.ordering.application.ports import Conflict, Saga
from kata.microservices.ordering.application.sagas import Services, compensate
from kata.microservices.ordering.application.withdrawals import withdraw_owed
from kata.microservices.ordering.domain.errors import DomainError
from kata.microservices.ordering.domain.money import Money
from kata.microservices.ordering.domain.order import Order
from kata.microservices.ordering.domain.values import Quantity, Sku

log = logging.getLogger(__name__)

# Longer than a request can take: inventory timeouts and retries end well within it.
LEASE = timedelta(seconds=30)
EVERY_SECONDS = 5.0


def recover(services: Services, older_than: timedelta = LEASE) -> int:
    """Compensate every saga started more than ``older_than`` ago; how many were."""
    with services.units() as uow:
        stale = uow.sagas.stale(datetime.now(UTC) - older_than)
    done = 0
    for saga in stale:
        with services.units() as uow:
            claimed = uow.sagas.claim(saga)
            uow.commit()
        try:
            compensated = claimed and compensate(services, saga)
        except DomainError:  # refused: the units it gave back are sold; go forward instead
            compensated = complete(services, saga)
        if compensated:
            log.info("recovered the %s saga of order %s", saga.step, saga.order_id)
            done += 1
    return done


def complete(services: Services, saga: Saga) -> bool:
    """Complete a saga that gave units back and cannot be undone: inventory holds its target,
    so the order takes the change its ``redo`` command describes (the domain checks it again)
    and the saga is forgotten, in one transaction. False (logged, left in the log) if it has
    no command or the order no longer takes it."""
    if saga.redo is None:
        log.error(
            "the %s saga of order %s can be neither undone nor redone", saga.step, saga.order_id
        )
        return False
    try:
        with services.units() as uow:
            order = uow.orders.get(saga.order_id)
            if order is None:
                return False
            redo(order, saga.redo)
            uow.orders.save(order)
            uow.sagas.forget(saga)
            uow.commit()
    except (DomainError, Conflict) as refused:
        log.error(
            "the %s saga of order %s cannot be completed: %s", saga.step, saga.order_id, refused
        )
        return False
    log.info("completed the %s saga of order %s", saga.step, saga.order_id)
    return True


def redo(order: Order, command: dict[str, Any]) -> None:
    """Apply a saga's ``redo`` command to the order (see ``use_cases``)."""
    match command:
        case {"do": "cancel"}:
            order.cancel()
        case {"do": "fail_payment", "payment_id": str(payment_id)}:
            order.fail_payment(payment_id)
        case {"do": "remove_line", "sku": str(sku)}:
            order.remove_line(Sku(sku))
        case {"do": "set_line", "sku": str(sku), "quantity": int(units), "price": str(price)}:
            order.set_line(Sku(sku), Quantity(units), Money(Decimal(price)))
        case _:
            raise ValueError(f"not a saga's command: {command}")


class RecoveryWorker:
    """Runs :func:`recover` and :func:`withdraw_owed` at start and every few seconds, on a
    thread of its own."""

    def __init__(self, services: Services, every_seconds: float = EVERY_SECONDS) -> None:
        self._services = services
        self._every = every_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kata-saga-recovery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        self._stopping.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            for task in (recover, withdraw_owed):
                try:
                    task(self._services)
                except Exception:  # a failed round is tried again at the next
                    log.exception("%s failed; trying again", task.__name__)
            self._stopping.wait(self._every)
