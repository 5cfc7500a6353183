"""Matching a refusal's message whole, for the variants' own unit tests."""

from __future__ import annotations

import re


def exactly(message: str) -> str:
    """A ``pytest.raises(match=...)`` pattern for this whole message and nothing else: a guard's
    message is what a developer reads when the model refuses, so a test pins all of it."""
    return f"^{re.escape(message)}$"
