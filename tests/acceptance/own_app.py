"""A variant's app of a case's own, on a database of the case's own: for the few cases that
restart a service or hold its tables from another connection (every other case shares one
app per target, see ``conftest.py``). In process only: a live server is not the suite's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from kata import variants
from tests.acceptance.conftest import Target
from tests.acceptance.contract import check_reply
from tests.acceptance.driver import CheckingDriver, InProcessDriver
from tests.acceptance.dsl import Shop


def own_variant(target: Target) -> str:
    """The target's variant, or a skip for a live target (not the suite's to restart)."""
    if target.variant is None or target.backend == "live":
        pytest.skip("the case starts the variant itself: in process only")
    return target.variant


@contextmanager
def started(variant: str, database_url: str) -> Iterator[Shop]:
    """The variant's app started on ``database_url``, stopped on leaving."""
    app = variants.create_app(variant, database_url)
    try:
        yield Shop(CheckingDriver(InProcessDriver(app), check_reply))
    finally:
        variants.close_app(app)
