"""The OpenAPI contract check: every reply the suite receives must match docs/openapi.yaml.

``check_reply`` finds the reply's operation in the document with a router of its own (so an
unknown route or a method a path does not have is told apart from a documented operation)
and validates what OpenAPI's response object says: the status is documented, the content type
is one the response lists, the body matches its schema, every documented header is there
when required and matches its schema. A reply for an operation the document does not have
must be its ``NotFound`` (unknown route) or ``MethodNotAllowed`` problem. On top of the
schemas it checks what a schema cannot say: ``Location`` names the resource in the body,
``Allow`` lists the methods of the path.

The document is read once per process, on first use, and every response object in it is
compiled then into JSON Schema validators (OpenAPI 3.1's dialect, as openapi-core uses):
checking a reply is a dictionary lookup and a validation, nothing more; the validators'
compiled code is kept between runs in pytest's cache (see :func:`keep_validators_in`).
(openapi-core, used before, resolved the document anew on every reply, which cost more than
the request it checked; the planted replies of tests/test_openapi.py, written against its
verdicts, are refused in the same words.) Bodies are parsed strictly (UTF-8, no NaN,
no repeated keys, ``2.0`` is not an integer).
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.util
import json
import marshal
import os
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache, cached_property, partial
from itertools import islice
from pathlib import Path
from types import CodeType
from typing import Any, ClassVar, NoReturn
from urllib.parse import unquote, urlsplit

import fastjsonschema
import yaml
from fastjsonschema import JsonSchemaValueException

from tests.acceptance.driver import Reply

SPEC_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"

JSON_TYPES = ("application/json", "application/problem+json")
YAML_TYPE = "application/yaml"
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


# The only formats the document uses (a ValueError means "not that format").
_FORMATS: dict[str, Callable[[object], bool]] = {"date-time": _is_date_time, "uuid": _is_uuid}


def _verdict(check: Callable[[object], bool]) -> Callable[[object], bool]:
    """``check`` answering False where it raises ValueError (fastjsonschema's way)."""

    def verdict(value: object) -> bool:
        try:
            return check(value)
        except ValueError:
            return False

    return verdict


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


class SchemaCheck:
    """A schema compiled twice. fastjsonschema's generated code gives the verdict (about 13
    times faster than jsonschema on an order body); when it refuses, jsonschema with OpenAPI
    3.1's dialect (as openapi-core uses it) says why, in its words. tests/test_openapi.py
    shows both give the same verdict on every planted reply.

    The code is generated on first use: a run that never meets a response pays nothing for
    it, and a schema shared by many responses (an order) is compiled once.
    """

    # Set by tests/test_openapi.py: ask both, and fail where their verdicts differ.
    cross_check: ClassVar[bool] = False

    def __init__(
        self,
        compile_quick: Callable[[], Callable[[Any], Any]],
        make_thorough: Callable[[], Any],
    ) -> None:
        self._compile_quick = compile_quick
        self._make_thorough = make_thorough

    @cached_property
    def quick(self) -> Callable[[Any], Any]:
        return self._compile_quick()

    @cached_property
    def thorough(self) -> Any:
        """An OAS31Validator, made when first needed: a refusal (or a cross-check)."""
        return self._make_thorough()

    def errors(self, instance: Any) -> list[str]:
        """Up to five messages (``at $.path: what``); none if ``instance`` conforms."""
        try:
            self.quick(instance)
        except JsonSchemaValueException as refusal:
            found = [_schema_line(e) for e in islice(self.thorough.iter_errors(instance), 5)]
            assert found or not self.cross_check, f"only fastjsonschema refuses {instance!r}"
            return found or [f"at {refusal.name}: {refusal.message}"]
        if self.cross_check:
            missed = [_schema_line(e) for e in self.thorough.iter_errors(instance)]
            assert not missed, f"fastjsonschema passed what jsonschema refuses: {missed}"
        return []


@dataclass(frozen=True)
class _Response:
    """One response object of the document, compiled: what a reply with its status must be."""

    bodies: Mapping[str, SchemaCheck | None]  # media type (wildcards allowed) -> schema; None: any
    headers: Mapping[
        str, tuple[str, bool, SchemaCheck]
    ]  # lower-case name -> (name, required, schema)

    def problems(self, reply: Reply) -> Iterator[str]:
        """What is wrong with ``reply`` as this response, in openapi-core's words."""
        for name, required, validator in self.headers.values():
            value = reply.headers.get(name.lower())
            if value is None:
                if required:
                    yield f"Missing required header: {name}"
                continue
            errors = validator.errors(value)
            if errors:
                yield f"header {name}: " + "\n    ".join(errors)
        if self.bodies:
            yield from self._body_problems(reply)

    def _body_problems(self, reply: Reply) -> Iterator[str]:
        mimetype = reply.content_type
        media = next((m for m in self.bodies if m == mimetype), None) or next(
            (m for m in self.bodies if fnmatch.fnmatch(mimetype, m)), None
        )
        if media is None:
            listed = ", ".join(self.bodies)
            yield f"Content for the following mimetype not found: {mimetype}. Valid: {listed}"
            return
        validator = self.bodies[media]
        try:
            body = _parsed(reply.body, mimetype)
        except (ValueError, yaml.YAMLError) as error:  # JSON, UTF-8 or YAML that is not
            yield f"the body is not {mimetype}: {error}"
            return
        errors = [] if validator is None else validator.errors(body)
        if errors:
            yield "\n    ".join(errors)


def _parsed(body: bytes, mimetype: str) -> Any:
    """A reply body as its schema sees it: JSON and YAML parsed, any other type as text."""
    if mimetype in JSON_TYPES:
        return strict_json(body)
    if mimetype == YAML_TYPE:
        return load_yaml(body.decode("utf-8"))
    return body.decode("utf-8")


# Responses by (path template, upper-case method), then by status ("200", "4XX", "default").
_Operations = Mapping[tuple[str, str], Mapping[str, _Response]]


@dataclass(frozen=True)
class _Source:
    """What the validators are made from: the document (recursive references point into
    it), its text's digest, and the custom formats they check."""

    document: Mapping[str, Any]
    digest: bytes
    formats: Mapping[str, Callable[[object], bool]]


@dataclass(frozen=True)
class _Contract:
    operations: _Operations  # the document's, and the fallback ones for undocumented replies
    routes: tuple[_Route, ...]
    source: _Source  # what its validators are made from
    passed: set[tuple[object, ...]] = field(default_factory=set)  # replies known to conform


# The document's own address, so a recursive $ref left in a compiled schema still resolves.
_DOCUMENT_URI = "urn:kata:openapi"


def _inline(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with each local ``$ref`` replaced by what it names; a recursive one stays
    a reference, made absolute (``urn:kata:openapi#/...``) so that it resolves from anywhere.

    jsonschema resolves a ``$ref`` on every visit, which is most of the time spent on a long
    list; resolved once here, it costs nothing.
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
            return {
                key: _absolute(value) if key == "discriminator" else walk(value, active)
                for key, value in node.items()
            }
        if reference in active:
            return {**node, "$ref": _DOCUMENT_URI + reference}  # recursive: stays a reference
        rest = {key: walk(value, active) for key, value in node.items() if key != "$ref"}
        target = resolve(reference, active)
        return {"allOf": [target], **rest} if rest else target

    return {key: walk(value, frozenset()) for key, value in document.items()}


def _absolute(discriminator: Mapping[str, Any]) -> dict[str, Any]:
    """A discriminator whose mapping names schemas by absolute reference (it is resolved
    when a body is checked, from wherever the schema was compiled)."""
    mapping = {key: _DOCUMENT_URI + ref for key, ref in discriminator.get("mapping", {}).items()}
    return {**discriminator, "mapping": mapping} if mapping else dict(discriminator)


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
    """One operation per kind of reply the document's paths do not cover."""
    responses = document["components"]["responses"]

    def operation(*statuses: str) -> dict[str, Any]:
        names = {"404": "NotFound", "405": "MethodNotAllowed"}
        return {"get": {"responses": {s: responses[names[s]] for s in statuses}}}

    return {
        _UNKNOWN_ROUTE: operation("404"),
        _UNKNOWN_METHOD: operation("405"),
        _UNKNOWN_METHOD_OR_NAME: operation("404", "405"),
    }


def _compile(paths: Mapping[str, Any], validator: Callable[[Any], SchemaCheck]) -> _Operations:
    """Every response object of ``paths``, with a validator (made by ``validator``) for each
    of its bodies and headers."""

    def header(name: str, spec: Mapping[str, Any]) -> tuple[str, bool, SchemaCheck]:
        return name, bool(spec.get("required", False)), validator(spec.get("schema", {}))

    def response(spec: Mapping[str, Any]) -> _Response:
        bodies = {
            media: validator(content["schema"]) if "schema" in content else None
            for media, content in spec.get("content", {}).items()
        }
        headers = {n.lower(): header(n, h) for n, h in spec.get("headers", {}).items()}
        return _Response(bodies, headers)

    return {
        (template, method.upper()): {
            str(status): response(spec) for status, spec in operation["responses"].items()
        }
        for template, item in paths.items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def _thorough_validators(document: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], Any]:
    """A maker of jsonschema validators (OpenAPI 3.1's dialect) for schemas of ``document``.

    jsonschema and openapi-schema-validator take ~0.3 s to import, a tenth of a variant's
    whole suite: they are imported when a reply is first refused, so a run in which every
    reply conforms never loads them.
    """

    @cache
    def made() -> tuple[Any, Any, Any]:
        # Imported here on purpose (see above).
        from jsonschema import FormatChecker  # type: ignore[import-untyped]  # noqa: PLC0415
        from openapi_schema_validator import OAS31Validator  # noqa: PLC0415
        from referencing import Registry, Resource  # noqa: PLC0415
        from referencing.jsonschema import DRAFT202012  # noqa: PLC0415

        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        registry: Registry[Any] = Registry().with_resource(_DOCUMENT_URI, resource)
        checker = FormatChecker([])
        for name, check in _FORMATS.items():
            checker.checks(name, raises=ValueError)(check)
        return OAS31Validator, registry, checker

    def validator(schema: Mapping[str, Any]) -> Any:
        kind, registry, checker = made()
        return kind(schema, registry=registry, format_checker=checker)

    return validator


def load_yaml(text: str) -> Any:
    """YAML as ``yaml.safe_load`` reads it, with libyaml's loader where PyYAML has it: the
    pure-Python one takes 70 ms on docs/openapi.yaml."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def contract() -> _Contract:
    """docs/openapi.yaml, loaded and compiled on first use (once per process)."""
    text = SPEC_FILE.read_text(encoding="utf-8")
    document = _inline(load_yaml(text))
    thorough_validator = _thorough_validators(document)
    quick_formats = {name: _verdict(check) for name, check in _FORMATS.items()}
    source = _Source(document, hashlib.blake2b(text.encode()).digest(), quick_formats)

    checks: dict[int, SchemaCheck] = {}  # by id: _inline shares one object per $ref

    def validator(schema: Mapping[str, Any]) -> SchemaCheck:
        def compile_quick() -> Callable[[Any], Any]:
            return _quick_validator(schema, source)

        if id(schema) not in checks:
            checks[id(schema)] = SchemaCheck(compile_quick, partial(thorough_validator, schema))
        return checks[id(schema)]

    paths = {**document["paths"], **_fallback(document)}
    return _Contract(
        operations=_compile(paths, validator),
        routes=tuple(_route(t, item) for t, item in document["paths"].items()),
        source=source,
    )


# --- generated validators, kept between runs ------------------------------------------------

_kept_in: list[Path] = []  # the folder set by keep_validators_in, if any


def keep_validators_in(folder: Path) -> None:
    """Keep the validators' compiled code in ``folder`` (the suite's conftest hands it pytest's
    cache). Generating and compiling fastjsonschema's code for the document's schemas takes a
    third of a second, a tenth of a variant's suite: a later run loads it instead."""
    _kept_in[:] = [folder]


def _quick_validator(schema: Mapping[str, Any], source: _Source) -> Callable[[Any], Any]:
    """fastjsonschema's validator of ``schema``."""
    namespace: dict[str, Any] = {}
    exec(_validator_code(schema, source), namespace)  # the code fastjsonschema made
    return partial(namespace["validate"], custom_formats=dict(source.formats))


def _validator_code(schema: Mapping[str, Any], source: _Source) -> CodeType:
    """The compiled code of ``schema``'s validator: loaded from the folder it is kept in when
    it was made from the same schema, document and versions; else made (and kept)."""
    document, formats = source.document, dict(source.formats)

    def made() -> CodeType:
        text = fastjsonschema.compile_to_code(
            dict(schema), handlers={"urn": lambda _: document}, formats=formats
        )
        return compile(text, "<openapi validator>", "exec")

    if not _kept_in:
        return made()
    made_from = json.dumps([schema, sorted(formats)], sort_keys=True, default=str).encode()
    versions = fastjsonschema.VERSION.encode() + importlib.util.MAGIC_NUMBER
    key = hashlib.blake2b(made_from + source.digest + versions, digest_size=16).hexdigest()
    kept = _kept_in[0] / f"{key}.marshal"
    try:
        code = marshal.loads(kept.read_bytes())
        if isinstance(code, CodeType):
            return code
    except (OSError, EOFError, ValueError, TypeError):
        pass  # not kept yet, or a file cut short: make it again
    code = made()
    # Written whole, then renamed: parallel runs never read a file half written.
    writing = kept.with_suffix(f".{os.getpid()}.writing")
    writing.write_bytes(marshal.dumps(code))
    writing.replace(kept)
    return code


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
            _validate(reply, route.template, method, f"{method} {route.template}")
            _check_location(reply, route.template)
        elif not _automatic_reply(reply, route):
            named = route.names_something(match.groupdict())
            kind = _UNKNOWN_METHOD if named else _UNKNOWN_METHOD_OR_NAME
            _validate(reply, kind, "GET", f"{method} not on {route.template}")
            _check_allow(reply, route)
        return
    _validate(reply, _UNKNOWN_ROUTE, "GET", "route not in the document")


def _validate(reply: Reply, template: str, method: str, label: str) -> None:
    """Fail unless ``reply`` is a documented response of ``method template``.

    A reply equal, in all the document looks at, to one that passed before passes again
    without a second validation (the event pages every case re-reads cost nothing).
    """
    known = (
        template,
        method,
        reply.status,
        reply.headers.get("content-type", "").lower(),
        reply.headers.get("location"),
        reply.headers.get("allow"),
        hashlib.blake2b(reply.body, digest_size=16).digest(),
    )
    built = contract()
    if known in built.passed:
        return
    responses = built.operations[(template, method)]
    status = str(reply.status)
    response = responses.get(status) or responses.get(f"{status[0]}XX") or responses.get("default")
    if response is None:
        _fail(reply, f"{label}: Unknown response http status: {reply.status}")
    problems = list(response.problems(reply))
    if problems:
        _fail(reply, f"{label}: " + "\n    ".join(problems))
    if len(built.passed) >= _PASSED_LIMIT:
        built.passed.clear()
    built.passed.add(known)


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


def _schema_line(error: Exception) -> str:
    from jsonschema.exceptions import (  # type: ignore[import-untyped]  # noqa: PLC0415
        ValidationError,
        best_match,
    )

    if not isinstance(error, ValidationError):
        return str(error)
    best = best_match([error])
    return f"at {best.json_path}: {best.message}"
