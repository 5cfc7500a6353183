"""One comparison, collected once for the whole folder (no test suites, one round), with the
progress steps it reported on the way."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kata import variants
from kata.compare.collect import Comparison, collect


@dataclass
class Recorded:
    """The progress steps a collection reported: (label, done, total) each."""

    steps: list[tuple[str, int, int]] = field(default_factory=list)

    def __call__(self, label: str, done: int, total: int) -> None:
        self.steps.append((label, done, total))


@pytest.fixture(scope="session")
def collected() -> tuple[Comparison, Recorded]:
    recorded = Recorded()
    # One timed request per use case: the tests read the report's shape, not its figures.
    comparison = collect(
        variants.names(), rounds=1, with_tests=False, progress=recorded, latency_rounds=1
    )
    return comparison, recorded


@pytest.fixture(scope="session")
def comparison(collected: tuple[Comparison, Recorded]) -> Comparison:
    return collected[0]
