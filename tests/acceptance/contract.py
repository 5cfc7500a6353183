"""Placeholder: replaced by the OpenAPI contract check (docs/openapi.yaml)."""

from __future__ import annotations

from tests.acceptance.driver import Reply


def check_reply(reply: Reply) -> None:
    """Assert ``reply`` matches the OpenAPI document of the contract."""
