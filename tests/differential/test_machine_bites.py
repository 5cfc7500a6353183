"""The differential machine itself: silent on twins, loud (naming the rule) on a mutant.

These show the machine works whatever is registered (with one variant they are all there
is): transaction_script against a second transaction_script must agree, so must a copy that
differs only where variants may (problem texts, seq gaps); against a copy whose WSGI wrapper
changes one behaviour the machine must find the difference and name the rule. Fixed seeds
keep them fast and deterministic; the mutants skip shrinking (it only costs time here).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlencode
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import pytest
from flask import Flask

from kata import variants
from tests.differential.machine import Target, run_differential, variant_target
from tests.differential.verdict import VariantsDiffer

REFERENCE = "transaction_script"

# (method, path, status line, body) -> (status line, body)
Rewrite = Callable[[str, str, str, bytes], tuple[str, bytes]]


class RewriteReplies:
    """WSGI middleware: buffers every reply and lets ``rewrite`` change its status and body."""

    def __init__(self, inner: WSGIApplication, rewrite: Rewrite) -> None:
        self._inner = inner
        self._rewrite = rewrite

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None, /
        ) -> Callable[[bytes], object]:
            started.append((status, headers))
            return lambda data: None

        chunks = self._inner(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        status, headers = started[-1]
        method, path = str(environ["REQUEST_METHOD"]), str(environ.get("PATH_INFO", ""))
        status, body = self._rewrite(method, path, status, body)
        headers = [
            (name, str(len(body)) if name.lower() == "content-length" else value)
            for name, value in headers
        ]
        start_response(status, headers)
        return [body]


def mutant(rewrite: Rewrite, database_url: str) -> Flask:
    app = variants.create_app(REFERENCE, database_url)
    app.wsgi_app = RewriteReplies(app.wsgi_app, rewrite)  # type: ignore[method-assign]
    return app


def insufficient_stock_as_422(
    method: str, path: str, status: str, body: bytes
) -> tuple[str, bytes]:
    """Answers 409 insufficient-stock as 422 (the mistake O3 and O9 rule out)."""
    if not status.startswith("409") or b"insufficient-stock" not in body:
        return status, body
    problem = json.loads(body)
    problem["status"] = 422
    return "422 UNPROCESSABLE ENTITY", json.dumps(problem).encode()


def cancellation_events_without_refund_due(
    method: str, path: str, status: str, body: bytes
) -> tuple[str, bytes]:
    """Drops ``refund_due`` from the data of OrderCancelled events (spec section 4)."""
    if path != "/events" or not status.startswith("200"):
        return status, body
    page = json.loads(body)
    for event in page["events"]:
        if event["type"] == "OrderCancelled":
            event["data"].pop("refund_due", None)
    return status, json.dumps(page).encode()


def discount_rounded_half_even(
    method: str, path: str, status: str, body: bytes
) -> tuple[str, bytes]:
    """Rounds the discount half-even (banker's rounding) where O4 says half-up."""
    if not status.startswith(("200", "201")) or not path.startswith("/orders"):
        return status, body
    reply = json.loads(body)
    for order in reply.get("orders", [reply]):
        subtotal = Decimal(order["subtotal"])
        rate = Decimal("0.10") if subtotal >= 500 else Decimal("0.05") if subtotal >= 100 else 0
        discount = (subtotal * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        order["discount"] = f"{discount:.2f}"
        order["total"] = f"{subtotal - discount:.2f}"
    return status, json.dumps(reply).encode()


def legitimate_differences(method: str, path: str, status: str, body: bytes) -> tuple[str, bytes]:
    """Differs only where variants may: other problem texts, event seqs with gaps (x 10)."""
    if path == "/events" and status.startswith("200"):
        page = json.loads(body)
        for event in page["events"]:
            event["seq"] *= 10
        return status, json.dumps(page).encode()
    if b"urn:kata:problem:" in body:
        problem = json.loads(body)
        problem["title"] = "Something else"
        problem["detail"] = "Said in other words."
        return status, json.dumps(problem).encode()
    return status, body


class SeqTimesTen(RewriteReplies):
    """``legitimate_differences``, with ``after`` in /events queries divided by ten to match."""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/events":
            pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            environ["QUERY_STRING"] = urlencode(
                [
                    (name, str(int(value) // 10) if name == "after" and value.isdigit() else value)
                    for name, value in pairs
                ]
            )
        return super().__call__(environ, start_response)


@pytest.fixture
def quiet_hypothesis(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    """Hypothesis prints the falsifying steps; expected here, so keep them out of the log."""
    yield
    capsys.readouterr()


def test_a_variant_agrees_with_itself() -> None:
    twin = Target(f"{REFERENCE}-twin", partial(variants.create_app, REFERENCE))
    run_differential([variant_target(REFERENCE), twin], examples=15, seed_value=20261125)


def legitimately_different(database_url: str) -> Flask:
    app = variants.create_app(REFERENCE, database_url)
    app.wsgi_app = SeqTimesTen(app.wsgi_app, legitimate_differences)  # type: ignore[method-assign]
    return app


def test_what_may_differ_is_not_reported() -> None:
    """Other problem texts and event seqs with gaps are no disagreement."""
    other = Target("legitimately-different", legitimately_different)
    run_differential([variant_target(REFERENCE), other], examples=15, seed_value=7)


@pytest.mark.parametrize(
    ("rewrite", "rule"),
    [
        pytest.param(insufficient_stock_as_422, "O3", id="insufficient-stock-as-422"),
        pytest.param(cancellation_events_without_refund_due, "events", id="event-loses-field"),
        pytest.param(discount_rounded_half_even, "O4", id="discount-rounded-half-even"),
    ],
)
def test_the_machine_finds_a_mutant_and_names_the_rule(
    rewrite: Rewrite, rule: str, quiet_hypothesis: None
) -> None:
    target = Target("mutant", partial(mutant, rewrite))
    with pytest.raises(VariantsDiffer) as caught:
        run_differential(
            [variant_target(REFERENCE), target], examples=60, seed_value=1, shrink=False
        )
    message = str(caught.value)
    headline = message.splitlines()[0]
    assert "between transaction_script and mutant" in headline, message
    named = headline.split("rule(s) ", 1)[1].split(":", 1)[0].split()
    assert rule in named, message
