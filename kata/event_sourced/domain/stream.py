"""``EventSourced``: what every aggregate of this variant shares.

An aggregate decides, then records: a command method checks the rules against the current
state and calls :meth:`EventSourced._raise` with the event that says what happened. Raising
an event applies it (``_apply``, the only code that changes state) and keeps it as *pending*
until the store appends it. Loading is the same ``_apply``, event after event: the state is
the fold of the stream, so a rule can never see a state the events do not explain.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, Self, TypeVar

E = TypeVar("E")


class EventSourced(Generic[E]):
    """``version`` counts the events applied so far (0: a new stream). The store appends the
    pending events *expecting* the version the aggregate was loaded at."""

    def __init__(self) -> None:
        self.version = 0
        self._pending: list[E] = []

    @classmethod
    def replay(cls, events: Iterable[E]) -> Self:
        """The aggregate as its stored events left it."""
        aggregate = cls.__new__(cls)
        EventSourced.__init__(aggregate)
        aggregate._fold(events)
        return aggregate

    @property
    def loaded_version(self) -> int:
        """The version the stream had when loaded: what the append must still find."""
        return self.version - len(self._pending)

    def take_pending(self) -> list[E]:
        """The events raised since loading; the repository appends them."""
        taken, self._pending = self._pending, []
        return taken

    def _fold(self, events: Iterable[E]) -> None:
        for event in events:
            self._apply(event)
            self.version += 1

    def _raise(self, event: E) -> None:
        self._apply(event)
        self.version += 1
        self._pending.append(event)

    def _apply(self, event: E) -> None:
        raise NotImplementedError
