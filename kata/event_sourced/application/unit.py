"""``@command``: each run gets its own transaction on the log; a lost race runs it again.

A run that loses a race (a rival appended to a stream it read) is refused whole at commit,
so it starts again on the streams as they are now; after a few lost races it gives up with
409 ``concurrent-modification`` (spec section 6).
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from kata.event_sourced.application.errors import ConcurrentModification
from kata.event_sourced.application.ports import Conflict, EventStores
from kata.event_sourced.application.streams import Streams

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# Runs in all, the first included: a run that lost a race starts again on fresh streams.
ATTEMPTS = 8
# Before each new run, a random pause of up to this long, doubled at every run (jittered
# exponential backoff): rivals that collided spread out instead of colliding again at once.
FIRST_PAUSE_SECONDS = 0.010


def _pause_before(attempt: int) -> None:
    if attempt:
        time.sleep(random.uniform(0, FIRST_PAUSE_SECONDS * 2 ** (attempt - 1)))


def command(
    procedure: Callable[Concatenate[Streams, P], T],
) -> Callable[Concatenate[EventStores, P], T]:
    @functools.wraps(procedure)
    def run(stores: EventStores, /, *args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(ATTEMPTS):
            _pause_before(attempt)
            try:
                with stores() as store:
                    return procedure(Streams(store), *args, **kwargs)
            except Conflict as conflict:
                log.info("%s lost a race: %s", procedure.__name__, conflict)
        log.warning("%s gave up after %d lost races", procedure.__name__, ATTEMPTS)
        raise ConcurrentModification("Too many concurrent changes; try again.")

    return run
