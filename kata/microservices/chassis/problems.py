"""Problem details (RFC 9457): every error the API answers, and the handlers that make them.

Part of the *chassis* both services build on (Richardson's "microservice chassis"): HTTP
plumbing only, no domain and no storage, so sharing it couples the services to a protocol,
not to each other's code. Each service registers its own refusals (exceptions with a
``code`` and a ``detail``, and ``skus`` for the two SKU-listing codes).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_TYPE = "urn:kata:problem:"

# code -> (status, title)
CODES: dict[str, tuple[int, str]] = {
    "malformed-request": (400, "Malformed request"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "duplicate-sku": (409, "Duplicate SKU"),
    "stock-limit-exceeded": (409, "Stock limit exceeded"),
    "insufficient-stock": (409, "Insufficient stock"),
    "order-limit-exceeded": (409, "Order limit exceeded"),
    "too-many-open-orders": (409, "Too many open orders"),
    "invalid-state": (409, "Invalid state"),
    "too-many-lines": (409, "Too many lines"),
    "last-line": (409, "Last line"),
    "payment-mismatch": (409, "Payment mismatch"),
    "concurrent-modification": (409, "Concurrent modification"),
    "write-withdrawn": (409, "Write withdrawn"),  # inventory's own API, not the contract
    "payload-too-large": (413, "Payload too large"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "validation-error": (422, "Validation error"),
    "unknown-product": (422, "Unknown product"),
    "idempotency-key-reuse": (422, "Idempotency key reuse"),
    "service-unavailable": (503, "Service unavailable"),
    "internal-error": (500, "Internal error"),
}

_HTTP_CODES = {
    400: "malformed-request",
    404: "not-found",
    405: "method-not-allowed",
    413: "payload-too-large",
    415: "unsupported-media-type",
}


class Problem(Exception):
    """Raise to answer with a problem; ``extra`` adds members such as ``errors``."""

    def __init__(self, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}


def validation_error(errors: dict[Any, Any]) -> Problem:
    return Problem("validation-error", "The request is not valid.", errors=_string_keys(errors))


def problem_response(problem: Problem) -> Response:
    status, title = CODES[problem.code]
    body = {
        "type": PROBLEM_TYPE + problem.code,
        "title": title,
        "status": status,
        "detail": problem.detail,
        **problem.extra,
    }
    response = Response(json.dumps(body), status, mimetype="application/problem+json")
    response.headers.update(problem.headers)
    return response


def register_error_handlers(app: Flask, *refusals: type[Exception]) -> None:
    """Problems, the service's own refusals (``refusals``), HTTP errors, and anything else
    as a 500 that says nothing of the failure."""
    app.register_error_handler(Problem, problem_response)
    for refusal in refusals:
        app.register_error_handler(refusal, _refused)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _refused(error: Exception) -> Response:
    extra = {"skus": error.skus} if hasattr(error, "skus") else {}
    problem = Problem(getattr(error, "code"), getattr(error, "detail"), **extra)  # noqa: B009
    problem.headers = dict(getattr(error, "headers", {}))  # Retry-After on a 503
    return problem_response(problem)


def _http_error(error: HTTPException) -> Response:
    code = _HTTP_CODES.get(error.code or 500, "internal-error")
    problem = Problem(code, error.description or CODES[code][1])
    if code == "method-not-allowed":
        # A hand-built response loses Flask's Allow header: copy it over.
        problem.headers = {k: v for k, v in error.get_headers() if k.lower() == "allow"}
    return problem_response(problem)


def _unexpected(error: Exception) -> Response:
    log.exception("unexpected error", exc_info=error)
    # Nothing about the failure leaks: no trace, no SQL, no paths.
    return problem_response(Problem("internal-error", "Something went wrong on our side."))


def _string_keys(errors: Any) -> Any:
    """marshmallow keys list items by int; JSON keys are strings."""
    if isinstance(errors, dict):
        return {str(key): _string_keys(value) for key, value in errors.items()}
    return errors
