"""GET /health (spec §5)."""

from __future__ import annotations

import pytest

from tests.acceptance.conftest import Target
from tests.acceptance.dsl import Shop
from tests.acceptance.expectations import body_of


@pytest.mark.rule("http")
def test_health_answers_ok_and_names_the_variant(shop: Shop, target: Target) -> None:
    reply = shop.request("GET", "/health")

    body = body_of(reply, 200)
    assert reply.content_type == "application/json", str(reply)
    assert set(body) == {"status", "variant"}, str(reply)
    assert body["status"] == "ok"
    assert isinstance(body["variant"], str), str(reply)
    if target.variant is None:  # a live server known only by its URL: any name will do
        assert body["variant"], "the variant name is empty"
    else:
        assert body["variant"] == target.variant
