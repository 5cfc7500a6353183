"""What the code says, read without running it: each variant's source parsed with ``ast``.

- **Routes**: the Flask decorators (``@routes.post("/orders")``, ``@routes.route(path,
  methods=[...])``) give the line that handles each HTTP operation of the contract.
- **Events**: a variant raises an event where it builds one (``OrderPlaced(...)``) or names
  its type in a call (``outbox.record(connection, "OrderPlaced", ...)``). A variant's own
  events (ones the contract does not publish) are the members of its ``...Event = A | B``
  unions in an ``events.py``.
- **Calls**: which events a route can reach, by following calls by name through the
  variant's functions. It is a reading, not a proof: a name shared by two functions is
  followed into both, so a variant with generic names reaches more than it raises (the board
  keeps what most variants agree on).
- **Rule markers** (``# rule: O6``, see ``tests/test_rule_markers.py``): the class or module
  that holds them is where a group of rules lives.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property

from kata.compare import rules as markers
from kata.workshop.storm.sources import Place, relative

HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete"})
_CONVERTER = re.compile(r"<(?:(?P<kind>[a-z]+):)?[A-Za-z_]\w*>")
_TEMPLATE = re.compile(r"\{[^}]+\}")


def route_key(method: str, path: str) -> tuple[str, str]:
    """``("POST", "/orders/<order_id>/lines/<sku>")`` and ``("post", "/orders/{id}/lines/{sku}")``
    both -> ``("post", "/orders/{}/lines/{}")``."""
    return method.lower(), _TEMPLATE.sub("{}", _CONVERTER.sub("{}", path))


@dataclass
class Function:
    """A module-level function or a method; the functions nested in it count as its body."""

    name: str
    place: Place
    calls: set[str] = field(default_factory=set)  # names it calls (or passes on)
    raises: dict[str, Place] = field(default_factory=dict)  # event -> where


@dataclass(frozen=True)
class Route:
    key: tuple[str, str]
    place: Place  # the decorator's line
    function: Function
    passes_on: bool  # a route of a function that also takes ``<path:rest>``: a gateway


@dataclass(frozen=True)
class Call:
    """An HTTP call the code makes: ``self._call("PUT", f"/reservations/{id}", body)``."""

    key: tuple[str, str]
    place: Place


@dataclass(frozen=True)
class Holder:
    """A class, or a module with no class around its markers, and the rules it marks."""

    name: str  # "Order", or the module's path for markers outside any class
    place: Place  # the class line, or the first marker's
    rules: frozenset[str]
    is_class: bool


class Code:
    """One variant's source, parsed once."""

    def __init__(self, variant: str, events: Iterable[str]) -> None:
        self.variant = variant
        self.folder = markers.variant_folder(variant)
        self.trees = {
            relative(file): ast.parse(file.read_text(encoding="utf-8"))
            for file in sorted(self.folder.rglob("*.py"))
        }
        self.events = [*events, *(e for e in self.own_events() if e not in events)]
        self.functions: dict[str, list[Function]] = defaultdict(list)
        self.routes: list[Route] = []
        for path, tree in self.trees.items():
            for node in _functions(tree):
                function = self._read(node, path)
                self.functions[function.name].append(function)
                self.routes += _routes(node, path, function)

    # --- events ---

    def own_events(self) -> list[str]:
        """Members of the ``...Event = A | B`` unions in the variant's ``events.py`` modules."""
        found: list[str] = []
        for path, tree in self.trees.items():
            if not path.endswith("/events.py"):
                continue
            for node in tree.body:
                if isinstance(node, ast.Assign) and _union_alias(node):
                    found += [n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)]
        return list(dict.fromkeys(name for name in found if not name.endswith("Event")))

    def raised(self, event: str) -> list[Place]:
        """Every place the variant raises ``event``."""
        return sorted(
            (place for fs in self.functions.values() for f in fs for e, place in f.raises.items()
             if e == event),
            key=lambda place: (place.path, place.line),
        )  # fmt: skip

    def reached(self, function: Function) -> set[str]:
        """The events ``function`` may raise, following its calls by name."""
        seen: set[int] = set()
        found: set[str] = set()
        todo = [function]
        while todo:
            current = todo.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            found |= set(current.raises)
            for name in current.calls:
                todo += self.functions.get(name, [])
        return found

    # --- routes and calls ---

    def handler(self, method: str, path: str) -> Route | None:
        """The route that handles the operation; a pass-through only if no handler does."""
        key = route_key(method, path)
        found = [route for route in self.routes if route.key == key]
        exact = [route for route in found if not route.passes_on]
        return next(iter(exact or found), None)

    def http_calls(self, under: str) -> list[Call]:
        """The HTTP calls made by the code under ``under`` (a folder of the variant)."""
        prefix = f"{relative(self.folder)}/{under}/"
        found = []
        for path, tree in self.trees.items():
            if not path.startswith(prefix):
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and (key := _http_call(node)):
                    found.append(Call(key, Place(path, node.lineno)))
        return found

    def services(self) -> list[str]:
        """The variant's services: its sub-packages that have a ``service.py``."""
        return sorted(
            path.split("/")[-2]
            for path in self.trees
            if path.endswith("/service.py")
            and path.count("/") == relative(self.folder).count("/") + 2
        )

    def service_of(self, place: Place) -> str:
        """The service a place of this variant lies in ('' if none)."""
        inside = place.path.removeprefix(relative(self.folder) + "/").split("/")[0]
        return inside if inside in self.services() else ""

    # --- module-level constants ---

    def constants(self, suffix: str) -> list[tuple[str, str, Place]]:
        """Module-level ``NAME = "text"`` whose NAME ends with ``suffix``: (name, text, place)."""
        found = []
        for path, tree in self.trees.items():
            for node in tree.body:
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(target := node.targets[0], ast.Name)
                    and target.id.endswith(suffix)
                    and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str)
                    and node.value.value.islower()  # a name, not an environment variable's
                ):
                    found.append((target.id, node.value.value, Place(path, node.lineno)))
        return found

    # --- rule markers ---

    @cached_property
    def scan(self) -> markers.Scan:
        return markers.scan_variant(self.variant)

    @cached_property
    def holders(self) -> list[Holder]:
        """Each class holding rule markers, and each module holding markers outside classes;
        input schemas (classes of ``Schema``) left out: they check shapes, not the domain."""
        rules: dict[tuple[str, int], set[str]] = defaultdict(set)
        first: dict[tuple[str, int], int] = {}
        classes = {path: list(_classes(tree)) for path, tree in self.trees.items()}
        for marker in self.scan.markers:
            path, line = _split(marker.where)
            around = [c for c in classes.get(path, []) if c.lineno <= line <= (c.end_lineno or 0)]
            owner = max(around, key=lambda c: c.lineno, default=None)
            if owner is not None and _is_schema(owner):
                continue
            key = (path, owner.lineno if owner else 0)  # 0: outside any class
            rules[key] |= set(marker.ids)
            first.setdefault(key, line)
        found = []
        for (path, start), ids in rules.items():
            owner = next((c for c in classes[path] if c.lineno == start), None) if start else None
            name, at = (owner.name, start) if owner else (path, first[(path, start)])
            found.append(Holder(name, Place(path, at), frozenset(ids), owner is not None))
        return found

    def marked(self, rule: str) -> list[Place]:
        """Every marker of ``rule`` in the variant."""
        return [Place(*_split(marker.where)) for marker in self.scan.markers if rule in marker.ids]

    # --- reading one function ---

    def _read(self, node: ast.FunctionDef | ast.AsyncFunctionDef, path: str) -> Function:
        function = Function(node.name, Place(path, node.lineno))
        parameters = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        for inner in ast.walk(node):
            if not isinstance(inner, ast.Call):
                continue
            callee = inner.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", None)
            if name is not None and name not in parameters:  # a parameter is not a function here
                function.calls.add(name)
            if name in self.events:
                function.raises.setdefault(name, Place(path, callee.lineno))
            for argument in inner.args:
                if isinstance(argument, ast.Constant) and argument.value in self.events:
                    function.raises.setdefault(argument.value, Place(path, argument.lineno))
        return function


def _functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Module-level functions and methods; nested functions stay inside their parent."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node
        elif isinstance(node, ast.ClassDef):
            methods = (
                n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            )
            yield from methods


def _classes(tree: ast.Module) -> Iterator[ast.ClassDef]:
    return (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef))


def _is_schema(node: ast.ClassDef) -> bool:
    names = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases]
    return any(name.endswith("Schema") for name in names)


def _union_alias(node: ast.Assign) -> bool:
    target = node.targets[0]
    return (
        isinstance(target, ast.Name)
        and target.id.endswith("Event")
        and isinstance(node.value, ast.BinOp)
        and isinstance(node.value.op, ast.BitOr)
    )


def _routes(
    node: ast.FunctionDef | ast.AsyncFunctionDef, path: str, function: Function
) -> list[Route]:
    templates: list[tuple[str, int, list[str]]] = []
    for decorator in node.decorator_list:
        if not (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.args
            and isinstance(first := decorator.args[0], ast.Constant)
            and isinstance(first.value, str)
        ):
            continue
        verb = decorator.func.attr
        methods = [verb] if verb in HTTP_METHODS else _methods(decorator) if verb == "route" else []
        templates.append((first.value, decorator.lineno, methods))
    # A function that also takes ``<path:rest>`` passes requests on: none of its routes handles.
    passes_on = any("<path:" in template for template, _, _ in templates)
    return [
        Route(route_key(method, template), Place(path, line), function, passes_on)
        for template, line, methods in templates
        for method in methods
    ]


def _methods(decorator: ast.Call) -> list[str]:
    for keyword in decorator.keywords:
        if keyword.arg == "methods" and isinstance(keyword.value, ast.List | ast.Tuple):
            return [
                e.value.lower()
                for e in keyword.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
    return ["get"]


def _http_call(node: ast.Call) -> tuple[str, str] | None:
    """``f("PUT", f"/reservations/{id}", ...)`` -> ``("put", "/reservations/{}")``."""
    if len(node.args) < 2:
        return None
    method, target = node.args[0], node.args[1]
    if not (isinstance(method, ast.Constant) and str(method.value).lower() in HTTP_METHODS):
        return None
    if isinstance(target, ast.Constant) and isinstance(target.value, str):
        path = target.value
    elif isinstance(target, ast.JoinedStr):
        path = "".join(
            str(part.value) if isinstance(part, ast.Constant) else "{}" for part in target.values
        )
    else:
        return None
    return (str(method.value).lower(), path) if path.startswith("/") else None


def _split(where: str) -> tuple[str, int]:
    path, line = where.rsplit(":", 1)
    return path, int(line)


@cache
def read(variant: str, events: tuple[str, ...]) -> Code:
    return Code(variant, events)
