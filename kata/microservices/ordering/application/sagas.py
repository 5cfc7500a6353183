"""The saga orchestrator: every change that moves stock, as steps across two services.

No transaction spans the ordering and the inventory databases (and two-phase commit would
make every order wait on both services being up, holding locks across the network). So a
change that moves stock runs as an orchestrated saga, its log kept in the ordering database:

| step | where | does | compensation |
|---|---|---|---|
| 1. log | ordering | the saga logged, one per order; versions taken | forget it |
| 2. hold | inventory | the reservation holds the new lines | hold the previous lines |
| 3. complete | ordering | order + event (+ key) saved, saga forgotten | — |

Step 2 refused (unknown SKU, short stock) or never taken (inventory down): forget the saga,
nothing moved. Step 2 perhaps taken (a timeout), or step 3 failing: compensate. A crash
anywhere leaves the saga in the log; :mod:`recovery` compensates it once it is older than a
lease. Holding is idempotent and versioned (see the inventory's ``stock.py``): a retry, a
compensation run twice, or a late copy of step 2 never moves stock twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from kata.microservices.ordering.application.ports import (
    Inventory,
    InventoryUnavailable,
    InventoryUncertain,
    Saga,
    UnitOfWork,
    UnitOfWorkFactory,
)
from kata.microservices.ordering.domain.errors import DomainError
from kata.microservices.ordering.domain.order import Order, OrderStatus

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Services:
    """What a use case works with: its own storage, and the inventory service."""

    units: UnitOfWorkFactory
    inventory: Inventory


def held(order: Order) -> dict[str, int]:
    """What the order's reservation should hold: its lines' units; nothing once cancelled
    (O8: every unit back to stock)."""
    if order.status is OrderStatus.CANCELLED:
        return {}  # rule: O8
    return {line.sku.code: line.quantity for line in order.lines}


def saga_for(
    step: str, order: Order, previous: dict[str, int], redo: dict[str, Any] | None = None
) -> Saga:
    """A saga moving the reservation from ``previous`` to what ``order`` now holds; its
    versions are taken when it is logged. ``redo``: the change as a command, for a saga that
    gives units back (see :func:`compensate`)."""
    return Saga(order.id, step, "STARTED", previous, held(order), 0, 0, datetime.now(UTC), redo)


def move_stock(services: Services, saga: Saga, seen: int, complete: Callable[[UnitOfWork], T]) -> T:
    """Run the saga's three steps for an order loaded at version ``seen`` (0: a new order);
    ``complete`` saves the order (step 3). Raises what refused it, after compensating
    whatever may have moved."""
    saga = _log(services, saga, seen)
    try:
        services.inventory.hold(saga.order_id, saga.forward_version, saga.target)
    except InventoryUncertain:
        _compensate_or_leave(services, saga)
        raise
    except (DomainError, InventoryUnavailable):
        _forget(services, saga)  # refused or never taken: nothing moved
        raise
    try:
        with services.units() as uow:
            result = complete(uow)
            if not uow.sagas.finish(saga):
                raise InventoryUncertain("The change was undone while it waited; try again.")
            uow.commit()
    except BaseException:
        _compensate_or_leave(services, saga)
        raise
    return result


def _log(services: Services, saga: Saga, seen: int) -> Saga:
    """Step 1, in a transaction of its own, so a crash after it leaves a trace to recover.

    It refuses (``Conflict``: the use case runs again) if the order changed since it was
    loaded: the saga's ``previous`` lines, its compensation, must be what the reservation
    holds now, not what a rival saga has replaced since.
    """
    with services.units() as uow:
        forward, undo = uow.orders.reservation_versions(saga.order_id, seen)
        logged = replace(saga, forward_version=forward, undo_version=undo)
        uow.sagas.start(logged)
        uow.commit()
    return logged


def compensate(services: Services, saga: Saga) -> bool:
    """Hold the previous lines again, then forget the saga; False if inventory did not
    answer (the saga stays in the log, for recovery).

    Inventory refuses (``InsufficientStock``) when the saga gave units back and they are sold
    since: then the reservation holds the saga's target, and only going forward is left —
    :func:`recovery.recover` completes such a saga with its ``redo`` command.
    """
    try:
        services.inventory.hold(saga.order_id, saga.undo_version, saga.previous)
    except InventoryUnavailable as unavailable:
        log.warning("saga of %s left for recovery: %s", saga.order_id, unavailable)
        return False
    _forget(services, saga)
    return True


def _compensate_or_leave(services: Services, saga: Saga) -> None:
    """Compensate in the request's path; a refusal is left to recovery, and the request
    answers with what failed it, not with the compensation's refusal."""
    try:
        compensate(services, saga)
    except DomainError as refused:
        log.warning("saga of %s left for recovery to complete: %s", saga.order_id, refused)


def _forget(services: Services, saga: Saga) -> None:
    with services.units() as uow:
        uow.sagas.forget(saga)
        uow.commit()
