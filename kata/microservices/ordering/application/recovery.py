"""Recovery: a saga left half-done (the process died between its steps, or inventory was
down when it had to be compensated) is compensated, exactly once.

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

from kata.microservices.ordering.application.sagas import Services, compensate
from kata.microservices.ordering.domain.errors import DomainError

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
        except DomainError:  # refused (the stock it would take back is sold): left in the log
            log.exception("cannot compensate the %s saga of order %s", saga.step, saga.order_id)
            continue  # the others are not held up
        if compensated:
            log.info("recovered the %s saga of order %s", saga.step, saga.order_id)
            done += 1
    return done


class RecoveryWorker:
    """Runs :func:`recover` at start and every few seconds, on a thread of its own."""

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
            try:
                recover(self._services)
            except Exception:  # a failed round is tried again at the next
                log.exception("saga recovery failed; trying again")
            self._stopping.wait(self._every)
