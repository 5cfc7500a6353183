"""Tests of the aggregate variant; the domain ones (all but test_concurrency) run in memory."""

from __future__ import annotations

import pytest

# The shared builders assert; let pytest explain their failures as it does in test modules.
pytest.register_assert_rewrite("tests.aggregate.builders")
