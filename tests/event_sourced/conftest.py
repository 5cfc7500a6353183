"""Tests of the event-sourced variant: its aggregates and codec in memory, its event store on
each configured database, and the claims the log makes (append-only, projections rebuilt)."""

from __future__ import annotations

import pytest

# The shared builders assert; let pytest explain their failures as it does in test modules.
pytest.register_assert_rewrite("tests.event_sourced.builders")
