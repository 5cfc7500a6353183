"""docs/openapi.yaml is valid OpenAPI 3.1, and the contract check built on it bites.

The check (tests/acceptance/contract.py) runs on every reply of the acceptance suite; a
check that passes everything would let any variant drift. These cases hand it replies that
break the contract in one way each and expect an AssertionError naming what is wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastjsonschema import JsonSchemaValueException
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

import tests.acceptance.contract as contract_module
from tests.acceptance.contract import SPEC_FILE, SchemaCheck, check_reply, contract, load_yaml
from tests.acceptance.driver import Reply

ORDER_ID = "3f0c7a0e-8d2b-4a55-9d3f-2f3a5e0d9b11"
JSON = "application/json"
PROBLEM = "application/problem+json"

# The operations of spec section 5, and what each answers besides 200/201 and 500.
OPERATIONS = {
    ("GET", "/"): set(),
    ("GET", "/openapi.yaml"): set(),
    ("GET", "/health"): set(),
    ("GET", "/products"): set(),
    ("POST", "/products"): {400, 409, 413, 415, 422},
    ("GET", "/products/{sku}"): {404},
    ("PATCH", "/products/{sku}"): {400, 404, 409, 413, 415, 422},
    ("POST", "/products/{sku}/restock"): {400, 404, 409, 413, 415, 422},
    ("GET", "/orders"): {422},
    ("POST", "/orders"): {400, 409, 413, 415, 422},
    ("GET", "/orders/{id}"): {404},
    ("PUT", "/orders/{id}/lines/{sku}"): {400, 404, 409, 413, 415, 422},
    ("DELETE", "/orders/{id}/lines/{sku}"): {404, 409, 422},
    ("POST", "/orders/{id}/cancellation"): {400, 404, 409, 413, 415, 422},
    ("POST", "/orders/{id}/shipment"): {400, 404, 409, 413, 415, 422},
    ("POST", "/payment-events"): {400, 404, 409, 413, 415, 422},
    ("GET", "/events"): {422},
}


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = load_yaml(SPEC_FILE.read_text(encoding="utf-8"))
    return loaded


def test_the_document_is_valid_openapi_3_1() -> None:
    spec = document()
    assert spec["openapi"].startswith("3.1.")
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_the_document_has_exactly_the_operations_of_the_spec_with_their_statuses() -> None:
    found = {
        (method.upper(), path): {int(status) for status in operation["responses"]}
        for path, item in document()["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }
    success = {
        key: {201 if key in {("POST", "/products"), ("POST", "/orders")} else 200}
        for key in OPERATIONS
    }
    expected = {key: OPERATIONS[key] | success[key] | {500} for key in OPERATIONS}
    assert found == expected


def test_the_contract_is_built_once_per_process() -> None:
    assert contract() is contract()


# --- replies ---------------------------------------------------------------------------------


def reply(
    method: str,
    target: str,
    status: int,
    body: Any,
    content_type: str = JSON,
    **headers: str,
) -> Reply:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {"content-type": content_type} | {k.replace("_", "-"): v for k, v in headers.items()}
    return Reply(method, target, status, sent, raw)


def order(**changes: Any) -> dict[str, Any]:
    return {
        "id": ORDER_ID,
        "customer_id": "cust_1",
        "status": "PENDING_PAYMENT",
        "lines": [{"sku": "PEN", "quantity": 2, "unit_price": "52.25", "line_total": "104.50"}],
        "subtotal": "104.50",
        "discount": "5.23",
        "total": "99.27",
        "payment_id": None,
        "cancel_reason": None,
        "refund_due": False,
        "created_at": "2026-11-25T10:00:00.123456Z",
    } | changes


def problem(code: str, status: int, **extra: Any) -> dict[str, Any]:
    body = {"type": f"urn:kata:problem:{code}", "title": code, "status": status, "detail": "."}
    return body | extra


def problem_reply(method: str, target: str, status: int, code: str, **headers: str) -> Reply:
    """A refusal as the spec shapes it: problem+json, the body's status the reply's own."""
    return reply(method, target, status, problem(code, status), PROBLEM, **headers)


def event(kind: str, data: dict[str, Any], seq: int = 7) -> dict[str, Any]:
    return {
        "seq": seq,
        "type": kind,
        "order_id": ORDER_ID,
        "occurred_at": "2026-11-25T10:00:01Z",
        "data": data,
    }


PRODUCT = {"sku": "PEN", "name": "Fountain pen", "price": "12.50", "stock": 100}
PLACED = event(
    "OrderPlaced",
    {
        "customer_id": "cust_1",
        "lines": [{"sku": "PEN", "quantity": 2, "unit_price": "52.25"}],
        "total": "99.27",
    },
)

INDEX_LINKS = {
    "index": "/",
    "openapi": "/openapi.yaml",
    "health": "/health",
    "products": "/products",
    "product": "/products/{sku}",
    "restock": "/products/{sku}/restock",
    "orders": "/orders",
    "order": "/orders/{id}",
    "order_line": "/orders/{id}/lines/{sku}",
    "cancellation": "/orders/{id}/cancellation",
    "shipment": "/orders/{id}/shipment",
    "payment_events": "/payment-events",
    "events": "/events",
}
INDEX = {"variant": "aggregate", "links": INDEX_LINKS}

CONFORMING = {
    "index": reply("GET", "/", 200, INDEX, vary="Accept"),
    "index as a page": reply("GET", "/", 200, b"<a href='/'>/</a>", "text/html; charset=utf-8"),
    "the document itself": reply(
        "GET", "/openapi.yaml", 200, SPEC_FILE.read_bytes(), "application/yaml"
    ),
    "health": reply("GET", "/health", 200, {"status": "ok", "variant": "transaction_script"}),
    "placed order": reply("POST", "/orders", 201, order(), location=f"/orders/{ORDER_ID}"),
    "registered product": reply("POST", "/products", 201, PRODUCT, location="/products/PEN"),
    "charset on the content type": reply(
        "GET", "/products/PEN", 200, PRODUCT, content_type="application/json; charset=utf-8"
    ),
    "paid order": reply("POST", "/payment-events", 200, order(status="PAID", payment_id="pay-1")),
    "refund due": reply(
        "POST",
        f"/orders/{ORDER_ID}/cancellation",
        200,
        order(status="CANCELLED", payment_id="pay-1", cancel_reason="customer", refund_due=True),
    ),
    "orders filtered": reply("GET", "/orders?status=PAID&limit=3", 200, {"orders": [order()]}),
    "events": reply(
        "GET",
        "/events?after=6",
        200,
        {"events": [PLACED, event("OrderShipped", {}, seq=9)]},
    ),
    "insufficient stock": reply(
        "POST", "/orders", 409, problem("insufficient-stock", 409, skus=["A", "B"]), PROBLEM
    ),
    "nested validation errors": reply(
        "POST",
        "/orders",
        422,
        problem("validation-error", 422, errors={"lines": {"0": {"quantity": ["Too big."]}}}),
        PROBLEM,
    ),
    "unknown route": problem_reply("GET", "/nowhere", 404, "not-found"),
    "malformed SKU in the path": problem_reply("GET", "/products/lower-case", 404, "not-found"),
    "wrong method": problem_reply(
        "DELETE", "/products", 405, "method-not-allowed", allow="GET, HEAD, OPTIONS, POST"
    ),
    "HEAD as a framework answers it": reply("HEAD", "/health", 200, b""),
}


@pytest.mark.parametrize("conforming", CONFORMING.values(), ids=CONFORMING.keys())
def test_a_conforming_reply_passes(conforming: Reply) -> None:
    check_reply(conforming)


BROKEN = {
    "an index without a link": (
        reply("GET", "/", 200, INDEX | {"links": INDEX_LINKS | {"events": None}}),
        r"\$\.links\.events: '/events' was expected",
    ),
    "an index linking a path of its own naming": (
        reply("GET", "/", 200, INDEX | {"links": INDEX_LINKS | {"order": "/orders/<id>"}}),
        r"\$\.links\.order: '/orders/\{id\}' was expected",
    ),
    "the document served as JSON": (
        reply("GET", "/openapi.yaml", 200, {"openapi": "3.1.0"}),
        r"GET /openapi\.yaml: .*mimetype not found: application/json",
    ),
    "a document of another OpenAPI version": (
        reply("GET", "/openapi.yaml", 200, b"openapi: 3.0.3\n", "application/yaml"),
        r"\$\.openapi: '3\.0\.3' does not match",
    ),
    "a document that is not YAML": (
        reply("GET", "/openapi.yaml", 200, b"openapi: [3.1", "application/yaml"),
        r"the body is not application/yaml",
    ),
    "money as a number": (
        reply("GET", f"/orders/{ORDER_ID}", 200, order(total=99.27)),
        r"\$\.total: Decimal\('99\.27'\) is not of type 'string'",
    ),
    "money with one decimal": (
        reply("GET", "/products/PEN", 200, PRODUCT | {"price": "12.5"}),
        r"\$\.price: '12\.5' does not match",
    ),
    "a missing field": (
        reply(
            "GET", f"/orders/{ORDER_ID}", 200, {k: v for k, v in order().items() if k != "total"}
        ),
        r"'total' is a required property",
    ),
    "an unknown field": (
        reply("GET", "/products/PEN", 200, PRODUCT | {"colour": "blue"}),
        r"'colour' was unexpected",
    ),
    "a quantity written 2.0": (
        reply(
            "GET",
            f"/orders/{ORDER_ID}",
            200,
            order(
                lines=[
                    {"sku": "PEN", "quantity": 2.0, "unit_price": "52.25", "line_total": "104.50"}
                ]
            ),
        ),
        r"\$\.lines\[0\]\.quantity: Decimal\('2\.0'\) is not of type 'integer'",
    ),
    "a status outside the enum": (
        reply("GET", f"/orders/{ORDER_ID}", 200, order(status="OPEN")),
        r"\$\.status: 'OPEN' is not one of",
    ),
    "a timestamp not in UTC with Z": (
        reply("GET", f"/orders/{ORDER_ID}", 200, order(created_at="2026-11-25T10:00:00+00:00")),
        r"\$\.created_at: .* does not match",
    ),
    "a paid order without its payment id": (
        reply("GET", f"/orders/{ORDER_ID}", 200, order(status="PAID")),
        r"\$\.payment_id: None is not of type 'string'",
    ),
    "a refund due on an order cancelled unpaid": (
        reply(
            "GET",
            f"/orders/{ORDER_ID}",
            200,
            order(status="CANCELLED", cancel_reason="customer", refund_due=True),
        ),
        r"\$\.payment_id: None is not of type 'string'",
    ),
    "event data of another type": (
        reply("GET", "/events", 200, {"events": [event("OrderPaid", {})]}),
        r"\$\.events\[0\]\.data: 'payment_id' is a required property",
    ),
    "a repeated key": (
        reply("GET", "/health", 200, b'{"status": "ok", "variant": "a", "variant": "b"}'),
        r"repeated key",
    ),
    "an undocumented status": (
        problem_reply("GET", f"/orders/{ORDER_ID}", 409, "invalid-state"),
        r"GET /orders/\{id\}: Unknown response http status: 409",
    ),
    "a problem without detail": (
        reply(
            "GET",
            "/products/NOPE",
            404,
            {k: v for k, v in problem("not-found", 404).items() if k != "detail"},
            PROBLEM,
        ),
        r"'detail' is a required property",
    ),
    "a problem code of another status": (
        problem_reply("GET", "/products/NOPE", 404, "invalid-state"),
        r"\$\.type: 'urn:kata:problem:not-found' was expected",
    ),
    "a problem status unlike the reply's": (
        reply("GET", "/products/NOPE", 404, problem("not-found", 400), PROBLEM),
        r"\$\.status: 404 was expected",
    ),
    "a problem served as plain JSON": (
        reply("GET", "/products/NOPE", 404, problem("not-found", 404), JSON),
        r"mimetype not found: application/json",
    ),
    "a validation error without errors": (
        problem_reply("POST", "/orders", 422, "validation-error"),
        r"'errors' is a required property",
    ),
    "insufficient stock without skus": (
        problem_reply("POST", "/orders", 409, "insufficient-stock"),
        r"'skus' is a required property",
    ),
    "a 201 without Location": (
        reply("POST", "/orders", 201, order()),
        r"Missing required header: Location",
    ),
    "a Location naming another order": (
        reply("POST", "/products", 201, PRODUCT, location="/products/INK"),
        r"Location '/products/INK' should be '/products/PEN'",
    ),
    "an unknown route answered in HTML": (
        reply("GET", "/nowhere", 404, b"<h1>Not Found</h1>", "text/html"),
        r"route not in the document: .*mimetype not found: text/html",
    ),
    "an unknown route answered 200": (
        reply("GET", "/nowhere", 200, {"status": "ok"}),
        r"route not in the document: Unknown response http status: 200",
    ),
    "a 405 without Allow": (
        problem_reply("DELETE", "/products", 405, "method-not-allowed"),
        r"Missing required header: Allow",
    ),
    "an Allow missing a method of the path": (
        problem_reply("DELETE", "/products", 405, "method-not-allowed", allow="GET"),
        r"Allow 'GET' should list \['GET', 'POST'\]",
    ),
    "a wrong method answered 404 on a path that names something": (
        problem_reply("DELETE", "/products/PEN", 404, "not-found"),
        r"DELETE not on /products/\{sku\}: Unknown response http status: 404",
    ),
}


@pytest.mark.parametrize(("broken", "complaint"), BROKEN.values(), ids=BROKEN.keys())
def test_a_reply_that_breaks_the_contract_is_refused(broken: Reply, complaint: str) -> None:
    with pytest.raises(AssertionError, match=complaint) as refused:
        check_reply(broken)
    assert str(broken) in str(refused.value)  # the message shows the reply itself


PLANTED = [*CONFORMING.values(), *(broken for broken, _ in BROKEN.values())]


@pytest.mark.parametrize("planted", PLANTED, ids=[*CONFORMING, *BROKEN])
def test_the_quick_and_the_thorough_schema_checks_agree(
    planted: Reply, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check's verdict comes from fastjsonschema's generated code, its words from
    jsonschema: on every planted reply, both find the same bodies and headers wrong."""
    monkeypatch.setattr(SchemaCheck, "cross_check", True)
    contract().passed.clear()  # a reply that passed before is not checked again
    assert "fastjsonschema" not in _verdict(planted)


def _verdict(planted: Reply) -> str:
    try:
        check_reply(planted)
    except AssertionError as refused:
        return str(refused)
    return "passed"


# --- validators kept between runs -------------------------------------------------------------

ORDER_ITEM = {"type": "object", "required": ["id"], "properties": {"id": {"format": "uuid"}}}


def _verdicts(check: Any) -> tuple[bool, bool]:
    """(accepts an order id, accepts an id that is not a UUID)."""

    def accepts(body: Any) -> bool:
        try:
            check(body)
        except JsonSchemaValueException:
            return False
        return True

    return accepts({"id": ORDER_ID}), accepts({"id": "not-a-uuid"})


def test_a_kept_validator_is_loaded_again_and_judges_as_one_made_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = contract().source
    made = contract_module._quick_validator(ORDER_ITEM, source)
    monkeypatch.setattr(contract_module, "_kept_in", [tmp_path])
    kept = contract_module._quick_validator(ORDER_ITEM, source)
    [file] = tmp_path.iterdir()
    written = file.stat().st_mtime_ns
    loaded = contract_module._quick_validator(ORDER_ITEM, source)
    assert file.stat().st_mtime_ns == written  # loaded, not made again
    assert _verdicts(made) == _verdicts(kept) == _verdicts(loaded) == (True, False)


def test_a_kept_validator_cut_short_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = contract().source
    monkeypatch.setattr(contract_module, "_kept_in", [tmp_path])
    contract_module._quick_validator(ORDER_ITEM, source)
    [file] = tmp_path.iterdir()
    file.write_bytes(file.read_bytes()[:100])
    assert _verdicts(contract_module._quick_validator(ORDER_ITEM, source)) == (True, False)
    assert len(file.read_bytes()) > 100  # written whole again
