"""``SequentialIds``: adapter for the ``IdGenerator`` port handing out UUIDs 1, 2, 3, …
(``00000000-0000-0000-0000-000000000001``): ids a test can predict, in the UUID form the
real generator makes."""

from __future__ import annotations

import itertools
import threading
import uuid


class SequentialIds:
    def __init__(self, start: int = 1) -> None:
        self._lock = threading.Lock()
        self._numbers = itertools.count(start)

    def __call__(self) -> str:
        with self._lock:
            return str(uuid.UUID(int=next(self._numbers)))
