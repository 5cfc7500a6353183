"""Tests of the hexagonal variant's inside and its outbound adapters."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

# The builders assert; let pytest explain their failures as it does in test modules.
pytest.register_assert_rewrite("tests.hexagonal.builders")


@pytest.fixture
def eager_thread_switches() -> Iterator[None]:
    """Switch threads every microsecond instead of every 5 ms, so threads racing through short
    units of work in memory really interleave between their reads and their commits."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)
