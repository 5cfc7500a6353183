"""Reading request bodies the way the contract demands: transport checks, then strict JSON.

Checks run in the spec's order: 415 (not JSON), 413 (too big), 400 (not a JSON object).
"""

from __future__ import annotations

import json
from typing import Any

from flask import request

from kata.transaction_script.presentation.problems import Problem

MAX_BODY_BYTES = 64 * 1024


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
    value = _strict_json(data)
    if not isinstance(value, dict):
        raise Problem("malformed-request", "The body must be a JSON object.")
    return value


def _strict_json(data: bytes) -> Any:
    try:
        text = data.decode("utf-8")  # strict: an encoded surrogate is refused here
        value = json.loads(
            text, object_pairs_hook=_object_without_repeated_keys, parse_constant=_refuse_constant
        )
        if "\\u" in text:  # only an escape can make a lone surrogate: look only then
            _refuse_lone_surrogates(value)
    except (UnicodeError, ValueError, RecursionError) as error:
        raise Problem("malformed-request", "The body is not valid JSON.") from error
    return value


def _object_without_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("repeated key")
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _refuse_lone_surrogates(value: Any) -> None:
    """Python's json accepts "\\ud800"; it is not text, so encoding it raises UnicodeError."""
    if isinstance(value, str):
        value.encode("utf-8")
    elif isinstance(value, dict):
        for key, item in value.items():
            key.encode("utf-8")
            _refuse_lone_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_lone_surrogates(item)
