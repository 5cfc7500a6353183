"""For exercise tests that read a variant's code rather than talk to it over HTTP."""

from __future__ import annotations

import pytest

from tests.acceptance.conftest import Target


def code_under_test(target: Target) -> str:
    """The name of the variant or workspace whose code a test reads.

    Code does not depend on the database, so it is read once, on the SQLite target; a server
    known only by its URL has no code here to read.
    """
    if target.variant is None:
        pytest.skip("a server known only by its URL: no code to check")
    if target.backend != "sqlite":
        pytest.skip("the code does not depend on the database: checked once, with SQLite")
    return target.variant
