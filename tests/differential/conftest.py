"""Options of the differential tests: how many sequences, which seed, which variants."""

from __future__ import annotations

import secrets
from collections.abc import Hashable

import pytest


@pytest.fixture
def differential_examples(request: pytest.FixtureRequest) -> int:
    """``--differential-examples N``: random command sequences per comparison (default 25)."""
    examples: int = request.config.getoption("--differential-examples")
    if examples < 1:
        raise pytest.UsageError("--differential-examples must be 1 or more")
    return examples


@pytest.fixture
def differential_seed(request: pytest.FixtureRequest) -> Hashable:
    """``--differential-seed`` if given (to run a reported failure again), else a fresh one."""
    given: Hashable | None = request.config.getoption("--differential-seed")
    if given is not None:
        try:
            return int(str(given))
        except ValueError:
            return given
    return secrets.randbelow(2**32)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``--variant``, keep only the comparisons of a chosen variant with the reference."""
    chosen = config.getoption("--variant")
    if not chosen:
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        compared = getattr(getattr(item, "function", None), "compared_variant", None)
        (dropped if compared is not None and compared not in chosen else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
