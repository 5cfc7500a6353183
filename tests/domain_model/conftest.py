"""The domain-model unit tests: rules checked on objects in memory, no database, no Flask."""

from __future__ import annotations

import pytest

# The shared helpers assert; let pytest explain their failures as it does in test modules.
pytest.register_assert_rewrite("tests.domain_model.builders")
