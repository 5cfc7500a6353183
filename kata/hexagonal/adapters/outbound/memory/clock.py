"""``ManualClock``: adapter for the ``Clock`` port whose time moves only when told to."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta


class ManualClock:
    def __init__(self, now: datetime) -> None:
        self._lock = threading.Lock()
        self._now = now

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, by: timedelta) -> datetime:
        """Move the time on; returns the new time."""
        with self._lock:
            self._now += by
            return self._now
