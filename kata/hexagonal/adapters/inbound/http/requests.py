"""Reading request bodies the way the contract demands: transport checks, then strict JSON.

Checks run in the spec's order: 415 (not JSON), 413 (too big), 400 (not a JSON object).
"""

from __future__ import annotations

from typing import Any

from flask import request

from kata.hexagonal.adapters.inbound.http.problems import Problem
from kata.hexagonal.adapters.inbound.wire import MAX_BODY_BYTES, NotJson, strict_json


def json_body() -> dict[str, Any]:
    """The body as a JSON object; a body is required."""
    body = optional_json_body()
    if body is None:
        raise Problem("malformed-request", "This request needs a JSON object body.")
    return body


def optional_json_body() -> dict[str, Any] | None:
    """The body as a JSON object, or None when there is no body (whatever its Content-Type)."""
    data = request.stream.read(MAX_BODY_BYTES + 1)  # never more than the limit in memory
    if not data:
        return None
    if request.mimetype != "application/json":
        raise Problem("unsupported-media-type", "Send the body as application/json.")
    if len(data) > MAX_BODY_BYTES:
        raise Problem("payload-too-large", f"The body is over {MAX_BODY_BYTES} bytes.")
    try:
        value = strict_json(data)
    except NotJson as error:
        raise Problem("malformed-request", "The body is not valid JSON.") from error
    if not isinstance(value, dict):
        raise Problem("malformed-request", "The body must be a JSON object.")
    return value
