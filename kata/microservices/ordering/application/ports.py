"""What the ordering service needs from the world, as protocols: the inventory service, and
its own storage (orders, the saga log, idempotency keys, the outbox, withdrawals owed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kata.microservices.ordering.domain.money import Money
from kata.microservices.ordering.domain.order import Order, OrderStatus


class Conflict(Exception):
    """A concurrent transaction won a race: a stale write, or a saga already in flight."""


class InventoryUnavailable(Exception):
    """The inventory service did not answer in time: the request was never taken (refused,
    or the circuit is open). Nothing happened there."""

    code = "service-unavailable"
    retry_after_seconds = 5

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = {"Retry-After": str(self.retry_after_seconds)}


class InventoryUncertain(InventoryUnavailable):
    """The request may have been taken and its answer lost (a timeout, a 5xx): the change may
    or may not have happened there. A saga compensates it."""


class Inventory(Protocol):
    """The inventory service, as the ordering service needs it.

    Every call is idempotent: ``hold`` *sets* what a reservation holds, with a version that
    only grows, so a retry, or a late copy of an old call, never moves stock twice.
    """

    def prices(self, skus: Iterable[str]) -> dict[str, Money]:
        """Today's price of each known SKU; unknown SKUs are left out."""
        ...

    def hold(self, reservation: str, version: int, lines: Mapping[str, int]) -> None:
        """Make reservation ``reservation`` hold ``lines`` (SKU -> units). Refuses with the
        domain's ``UnknownProduct`` or ``InsufficientStock`` (nothing moved), or raises
        :class:`InventoryUnavailable` / :class:`InventoryUncertain`."""
        ...

    def withdraw(self, write: str) -> bool:
        """Withdraw the catalogue write the gateway forwarded as ``write`` and never got the
        answer of: True once nothing of it is left, False if it stands (something relied on
        it since). The same answer however often it is asked; raises
        :class:`InventoryUnavailable`."""
        ...


@dataclass(frozen=True)
class Saga:
    """A stock move in flight for one order, as the saga log keeps it (one per order)."""

    order_id: str
    step: str  # "place", "set-line", "remove-line", "cancel", "payment-failed"
    state: str  # STARTED: holding the target; UNDOING: holding the previous lines again
    previous: dict[str, int]  # what the reservation held before: the compensation's target
    target: dict[str, int]
    forward_version: int
    undo_version: int
    started_at: datetime
    # A saga that gives units back can be undone only while nobody took them: its change
    # as the domain's command (e.g. {"do": "cancel"}), for recovery to complete it instead.
    redo: dict[str, Any] | None = None


@dataclass(frozen=True)
class EventRecord:
    seq: int
    type: str
    order_id: str
    occurred_at: datetime
    data: dict[str, Any]


class Orders(Protocol):
    def add(self, order: Order) -> None: ...
    def get(self, order_id: str) -> Order | None: ...
    def save(self, order: Order) -> None:
        """Save an order loaded in an earlier transaction, with its events; :class:`Conflict`
        if another saved it since."""
        ...

    def count(self, customer_id: str, status: OrderStatus) -> int: ...
    def newest_first(
        self, customer_id: str | None, status: OrderStatus | None, limit: int
    ) -> list[Order]: ...
    def reservation_versions(self, order_id: str, seen: int) -> tuple[int, int]:
        """Two new reservation versions for the order's next saga: (forward, undo); the
        first two for a new order (``seen`` 0). :class:`Conflict` if the order is no longer
        at version ``seen``."""
        ...


class SagaLog(Protocol):
    def start(self, saga: Saga) -> None:
        """Log a saga; :class:`Conflict` at commit if one is in flight for that order."""
        ...

    def finish(self, saga: Saga) -> bool:
        """Forget the saga if it is still this one, STARTED (False: recovery took it)."""
        ...

    def forget(self, saga: Saga) -> None: ...

    def stale(self, started_before: datetime) -> list[Saga]:
        """Sagas started before then and still in the log: left half-done."""
        ...

    def claim(self, saga: Saga) -> bool:
        """Mark a stale saga UNDOING, unless another process did first."""
        ...


class IdempotencyKeys(Protocol):
    def find(self, key: str) -> tuple[str, str] | None: ...
    def bind(self, key: str, request: str, response: str) -> None: ...


class Withdrawals(Protocol):
    """Catalogue writes answered 503 whose withdrawal inventory did not answer either: owed,
    until recovery makes it."""

    def owe(self, write: str, since: datetime) -> None: ...
    def owed(self) -> list[str]:
        """Every write owed a withdrawal, the oldest first."""
        ...

    def settle(self, write: str) -> None: ...


class UnitOfWork(Protocol):
    @property
    def orders(self) -> Orders: ...
    @property
    def sagas(self) -> SagaLog: ...
    @property
    def idempotency_keys(self) -> IdempotencyKeys: ...
    @property
    def withdrawals(self) -> Withdrawals: ...

    def events_after(self, seq: int, limit: int) -> list[EventRecord]: ...
    def commit(self) -> None: ...
    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *exc_info: object) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
