"""Withdrawals owed: catalogue writes the gateway forwarded, whose answer was lost, and whose
withdrawal inventory did not answer either.

The gateway answered 503, which says nothing changed; yet inventory may have applied the
write. So the withdrawal is kept in the ordering service's own database (the public port is
its), and recovery makes it once inventory answers again: the write is undone, or a late
copy of it refused. Only if something relied on the write in the meantime (an order took the
units it restocked; the product it registered or changed was touched since) does it stand,
logged as an error: the one case where a 503 did not keep its word, and no one can take it
back without taking it from someone else.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from kata.microservices.ordering.application.ports import InventoryUnavailable, UnitOfWorkFactory
from kata.microservices.ordering.application.sagas import Services

log = logging.getLogger(__name__)


def owe(units: UnitOfWorkFactory, write: str) -> None:
    """Keep the withdrawal of ``write`` for recovery (the inventory proxy calls this)."""
    with units() as uow:
        uow.withdrawals.owe(write, datetime.now(UTC))
        uow.commit()
    log.warning("the withdrawal of write %s is left for recovery", write)


def withdraw_owed(services: Services) -> int:
    """Make every withdrawal owed, the oldest first, until inventory does not answer; how
    many were made. Two processes making the same one is harmless: inventory answers a
    withdrawal the same however often it is asked."""
    with services.units() as uow:
        owed = uow.withdrawals.owed()
    made = 0
    for write in owed:
        try:
            withdrawn = services.inventory.withdraw(write)
        except InventoryUnavailable as unavailable:
            log.warning("withdrawals owed wait for inventory: %s", unavailable)
            break
        if withdrawn:
            log.info("withdrew write %s, answered 503", write)
        else:
            log.error("write %s was answered 503 but stands: something relied on it", write)
        with services.units() as uow:
            uow.withdrawals.settle(write)
            uow.commit()
        made += 1
    return made
