"""JSON answers: 200 and 201 with a ``Location``."""

from __future__ import annotations

import json
from typing import Any

from flask import Response


def ok(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), 200, mimetype="application/json")


def created(body: dict[str, Any], location: str) -> Response:
    response = Response(json.dumps(body), 201, mimetype="application/json")
    response.headers["Location"] = location
    return response
