"""``kata serve microservices`` starts a dead inventory child again, within bounds: at most
five restarts within a minute, so a child that cannot live is not restarted forever (the
SIGKILL itself is in ``tests/test_faults.py``)."""

from __future__ import annotations

from kata.microservices.launch import RESTARTS, RESTARTS_WITHIN_SECONDS, Restarts


def test_restarts_are_refused_beyond_five_within_a_minute() -> None:
    restarts = Restarts()

    taken = [restarts.take(float(second)) for second in range(RESTARTS)]

    assert taken == [1, 2, 3, 4, 5]
    assert restarts.take(float(RESTARTS)) == 0  # a sixth within the minute
    assert restarts.take(RESTARTS_WITHIN_SECONDS - 0.5) == 0


def test_a_restart_older_than_a_minute_no_longer_counts() -> None:
    restarts = Restarts()
    for second in range(RESTARTS):
        restarts.take(float(second))

    assert restarts.take(RESTARTS_WITHIN_SECONDS) == RESTARTS  # the one at 0 s has expired
    assert restarts.take(RESTARTS_WITHIN_SECONDS + 0.5) == 0
    assert restarts.take(RESTARTS_WITHIN_SECONDS + 1) == RESTARTS
