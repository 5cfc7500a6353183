"""One comparison, collected once for the whole folder (no test suites, one round)."""

from __future__ import annotations

import pytest

from kata import variants
from kata.compare.collect import Comparison, collect


@pytest.fixture(scope="session")
def comparison() -> Comparison:
    return collect(variants.names(), rounds=1, with_tests=False)
