"""``CollectingPublisher``: adapter for the ``EventPublisher`` port that keeps every event it
is given, in order, for a test (or a run without a broker) to read back. Thread-safe."""

from __future__ import annotations

import threading

from kata.hexagonal.application.ports.outbound import EventRecord


class CollectingPublisher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._published: list[EventRecord] = []

    def publish(self, event: EventRecord) -> None:
        with self._lock:
            self._published.append(event)

    @property
    def published(self) -> list[EventRecord]:
        """Every event published so far, oldest first (a copy)."""
        with self._lock:
            return list(self._published)
