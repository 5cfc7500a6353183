"""The OpenAPI contract check: every reply the suite receives must match docs/openapi.yaml.

``check_reply`` finds the reply's operation in the document with a router of its own (so an
unknown route or a method a path does not have is told apart from a documented operation)
and lets openapi-core validate status, content type, body and headers. A reply for an
operation the document does not have must be its ``NotFound`` (unknown route) or
``MethodNotAllowed`` problem. On top of the schemas it checks what a schema cannot say:
``Location`` names the resource in the body, ``Allow`` lists the methods of the path.

The document is read and built once per process, on first use. Bodies are parsed strictly
(UTF-8, no NaN, no repeated keys, ``2.0`` is not an integer).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote, urlsplit

import yaml
from jsonschema import FormatChecker  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError as SchemaError  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from openapi_core.validation.schemas.factories import DialectSchemaValidatorsFactory
from openapi_schema_validator import OAS31_BASE_DIALECT_ID, OAS31Validator
from werkzeug.datastructures import Headers

from tests.acceptance.driver import Reply

SPEC_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"

JSON_TYPES = ("application/json", "application/problem+json")
HTTP_METHODS = frozenset(["get", "put", "post", "delete", "options", "head", "patch", "trace"])

# Operations of the private fallback document, for replies no documented operation covers:
# a path not in the document answers 404; a documented path with a method it does not have
# answers 405, or 404 when a path parameter cannot name anything (a malformed SKU).
_UNKNOWN_ROUTE = "/unknown-route"
_UNKNOWN_METHOD = "/unknown-method"
_UNKNOWN_METHOD_OR_NAME = "/unknown-method-or-name"

# 201 replies: the collection they create in, and the body field naming the new resource.
_CREATED_NAME = {"/products": "sku", "/orders": "id"}

_PASSED_LIMIT = 4096


# --- openapi-core's request and response protocols -----------------------------------------


@dataclass
class _Request:
    """Just enough of a request to find the operation: its path template, given."""

    path_pattern: str
    method: str  # lower case
    host_url: str = "http://kata.invalid"
    parameters: RequestParameters = field(default_factory=RequestParameters)
    body: bytes | None = None
    content_type: str = ""

    @property
    def path(self) -> str:
        return self.path_pattern


@dataclass(frozen=True)
class _Response:
    status_code: int
    headers: Headers
    content_type: str
    data: bytes


# --- strict JSON and formats ---------------------------------------------------------------


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError(f"repeated key in object: {[key for key, _ in pairs]}")
    return result


def strict_json(value: bytes, **_parameters: str) -> Any:
    """UTF-8 JSON without NaN/Infinity or repeated keys; fractions become ``Decimal``.

    Keeping fractions out of ``float`` makes ``2.0`` fail ``type: integer`` (jsonschema
    counts a float without a fraction as an integer).
    """
    return json.loads(
        value.decode("utf-8"),
        parse_constant=_reject_constant,
        parse_float=Decimal,
        object_pairs_hook=_unique_keys,
    )


def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(datetime.fromisoformat(value))


def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or str(uuid.UUID(value)) == value.lower()


def _formats() -> Any:
    """The only formats the document uses (a ValueError means "not that format")."""
    checker = FormatChecker([])
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    checker.checks("uuid", raises=ValueError)(_is_uuid)
    return checker


# --- the document, built once ----------------------------------------------------------------


@dataclass(frozen=True)
class _Route:
    template: str
    regex: re.Pattern[str]
    methods: frozenset[str]  # upper case
    statuses: Mapping[str, frozenset[int]]  # documented statuses by method
    name_patterns: Mapping[str, re.Pattern[str]]  # path parameters that have a pattern

    def names_something(self, values: Mapping[str, str]) -> bool:
        return all(p.fullmatch(values[name]) for name, p in self.name_patterns.items())


@dataclass(frozen=True)
class _Contract:
    api: OpenAPI
    fallback: OpenAPI
    routes: tuple[_Route, ...]
    passed: set[tuple[object, ...]] = field(default_factory=set)  # replies known to conform


def _inline(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with each local ``$ref`` replaced by what it names (recursive ones stay).

    jsonschema resolves a ``$ref`` through openapi-core's resolver on every visit, which is
    most of the time spent on a long list; resolved once here, it costs nothing.
    """
    done: dict[str, Any] = {}

    def resolve(reference: str, active: frozenset[str]) -> Any:
        if reference not in done:
            target: Any = document
            for part in reference.removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            done[reference] = walk(target, active | {reference})
        return done[reference]

    def walk(node: Any, active: frozenset[str]) -> Any:
        if isinstance(node, list):
            return [walk(item, active) for item in node]
        if not isinstance(node, dict):
            return node
        reference = node.get("$ref")
        if not (isinstance(reference, str) and reference.startswith("#/")):
            return {key: walk(value, active) for key, value in node.items()}
        if reference in active:
            return node  # recursive: stays a reference
        rest = {key: walk(value, active) for key, value in node.items() if key != "$ref"}
        target = resolve(reference, active)
        return {"allOf": [target], **rest} if rest else target

    return {key: walk(value, frozenset()) for key, value in document.items()}


def _route(template: str, item: Mapping[str, Any]) -> _Route:
    regex = "".join(
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
        for part in re.split(r"(\{[^}]+\})", template)
    )
    patterns = {
        parameter["name"]: re.compile(parameter["schema"]["pattern"].strip("^$"))
        for parameter in item.get("parameters", [])
        if parameter["in"] == "path" and "pattern" in parameter["schema"]
    }
    operations = {m.upper(): op for m, op in item.items() if m in HTTP_METHODS}
    return _Route(
        template=template,
        regex=re.compile(regex),
        methods=frozenset(operations),
        statuses={m: frozenset(int(s) for s in op["responses"]) for m, op in operations.items()},
        name_patterns=patterns,
    )


def _fallback(document: Mapping[str, Any]) -> dict[str, Any]:
    """The same document with one operation per kind of reply its paths do not cover."""
    responses = document["components"]["responses"]

    def operation(*statuses: str) -> dict[str, Any]:
        names = {"404": "NotFound", "405": "MethodNotAllowed"}
        return {"get": {"responses": {s: responses[names[s]] for s in statuses}}}

    return {
        **document,
        "paths": {
            _UNKNOWN_ROUTE: operation("404"),
            _UNKNOWN_METHOD: operation("405"),
            _UNKNOWN_METHOD_OR_NAME: operation("404", "405"),
        },
    }


@cache
def contract() -> _Contract:
    """docs/openapi.yaml, loaded and built on first use (once per process)."""
    document = _inline(yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8")))
    config = Config(
        spec_validator_cls=None,  # tests/test_openapi.py validates the document
        extra_media_type_deserializers=dict.fromkeys(JSON_TYPES, strict_json),
        # openapi-core deep-copies the format checker for every body: keep it small.
        schema_validators_factory=DialectSchemaValidatorsFactory(
            OAS31Validator, OAS31_BASE_DIALECT_ID, format_checker=_formats()
        ),
    )
    return _Contract(
        api=OpenAPI.from_dict(document, config=config),
        fallback=OpenAPI.from_dict(_fallback(document), config=config),
        routes=tuple(_route(t, item) for t, item in document["paths"].items()),
    )


# --- the check ---------------------------------------------------------------------------------


def check_reply(reply: Reply) -> None:
    """Assert ``reply`` matches docs/openapi.yaml; the AssertionError says where it does not."""
    built = contract()
    path = unquote(urlsplit(reply.target).path)
    method = reply.method.upper()
    for route in built.routes:
        match = route.regex.fullmatch(path)
        if match is None:
            continue
        if method in route.methods:
            _validate(built.api, reply, route.template, method, f"{method} {route.template}")
            _check_location(reply, route.template)
        elif not _automatic_reply(reply, route):
            named = route.names_something(match.groupdict())
            kind = _UNKNOWN_METHOD if named else _UNKNOWN_METHOD_OR_NAME
            _validate(built.fallback, reply, kind, "GET", f"{method} not on {route.template}")
            _check_allow(reply, route)
        return
    _validate(built.fallback, reply, _UNKNOWN_ROUTE, "GET", "route not in the document")


def _validate(api: OpenAPI, reply: Reply, template: str, method: str, label: str) -> None:
    """openapi-core's verdict on ``reply`` as an answer of ``method template``.

    A reply equal, in all the document looks at, to one that passed before passes again
    without a second validation (the event pages every case re-reads cost nothing).
    """
    content_type = reply.headers.get("content-type", "").lower()
    known = (
        id(api),
        template,
        method,
        reply.status,
        content_type,
        reply.headers.get("location"),
        reply.headers.get("allow"),
        hashlib.blake2b(reply.body, digest_size=16).digest(),
    )
    passed = contract().passed
    if known in passed:
        return
    response = _Response(
        reply.status, Headers(list(reply.headers.items())), content_type, reply.body
    )
    try:
        api.validate_response(_Request(template, method.lower()), response)
    except OpenAPIError as error:
        _fail(reply, f"{label}: {_describe(error)}")
    if len(passed) >= _PASSED_LIMIT:
        passed.clear()
    passed.add(known)


def _automatic_reply(reply: Reply, route: _Route) -> bool:
    """HEAD and OPTIONS (the spec names neither) answered as WSGI frameworks do by default.

    HEAD: a status documented for GET, and no body. OPTIONS: 200 with ``Allow`` and no
    body. Any other answer is judged as for every method a path does not have.
    """
    method = reply.method.upper()
    if method == "HEAD" and "GET" in route.methods and reply.status != 405:
        if reply.status not in route.statuses["GET"]:
            _fail(reply, f"status {reply.status} is not documented for GET {route.template}")
    elif not (method == "OPTIONS" and reply.status == 200):
        return False
    if reply.body:
        _fail(reply, f"a {method} reply has no body")
    _check_allow(reply, route)
    return True


def _check_location(reply: Reply, template: str) -> None:
    name = _CREATED_NAME.get(template)
    if reply.status != 201 or name is None:
        return
    expected = f"{template}/{reply.json()[name]}"
    if reply.headers.get("location") != expected:
        _fail(reply, f"Location {reply.headers.get('location')!r} should be {expected!r}")


def _check_allow(reply: Reply, route: _Route) -> None:
    """On 405 (and OPTIONS), ``Allow`` lists every method of the path, not the one refused."""
    if reply.status != 405 and reply.method.upper() != "OPTIONS":
        return
    allow = reply.headers.get("allow", "")
    allowed = {m.strip().upper() for m in allow.split(",") if m.strip()}
    refused = {reply.method.upper()} if reply.status == 405 else set()
    if not route.methods <= allowed or refused & allowed:
        _fail(reply, f"Allow {allow!r} should list {sorted(route.methods)} of {route.template}")


def _fail(reply: Reply, problem: str) -> NoReturn:
    headers = ", ".join(f"{k}: {v}" for k, v in sorted(reply.headers.items()))
    raise AssertionError(
        f"reply breaks docs/openapi.yaml: {problem}\n  reply: {reply}\n  headers: {headers}"
    )


def _describe(error: BaseException) -> str:
    """The openapi-core error, down to the schema errors behind it (json path: message)."""
    chain = list(_chain(error))
    header = getattr(error, "name", None)
    where = f"header {header}: " if isinstance(header, str) else ""
    for cause in chain:
        schema_errors = list(getattr(cause, "schema_errors", ()))
        if schema_errors:
            return where + "\n    ".join(_schema_line(e) for e in schema_errors[:5])
    messages = (str(e).removeprefix(f"{type(e).__name__}: ") for e in chain)
    return where + " <- ".join(dict.fromkeys(messages))


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        context = seen.__context__
        # The KeyError behind a missing header is werkzeug's and says nothing useful.
        seen = seen.__cause__ or (None if isinstance(context, KeyError) else context)


def _schema_line(error: Exception) -> str:
    if not isinstance(error, SchemaError):
        return str(error)
    best = best_match([error])
    return f"at {best.json_path}: {best.message}"
