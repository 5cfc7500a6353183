"""The domain-model tests: rules checked on objects in memory, no database, no Flask
(all but test_stock_writes, which checks how stock is written on a real database)."""

from __future__ import annotations

import pytest

# The shared helpers assert; let pytest explain their failures as it does in test modules.
pytest.register_assert_rewrite("tests.domain_model.builders")
