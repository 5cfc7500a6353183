"""The aggregate variant's design rules that imports cannot express, checked over its code.

``.importlinter`` says which module may import which. Two rules of the aggregate design are
about what classes *hold*, so they are checked here, the way kgrzybek's
modular-monolith-with-ddd checks them in its architecture tests:

1. **Value objects and domain events are immutable.** Nothing here lists them by hand. The
   domain's classes are sorted by reading the code: the aggregate roots, the entities
   inside each root's boundary, enums, errors, and *everything else*, which must be a
   value object or an event. Every member of the ``DomainEvent`` union is checked too,
   wherever it lives. Each one must be declared ``@dataclass(frozen=True)`` itself, its
   field types must be immutable (tuples, frozensets, unions, enums, plain scalars and
   other frozen dataclasses; no ``list``/``dict``/``set``, even behind an alias), and at run
   time an instance built from sample values must refuse every change (assigning, deleting
   or adding an attribute) with ``dataclasses.FrozenInstanceError``, and must hash.
2. **No aggregate or entity holds a reference to another aggregate.** The roots are found
   twice, in two independent ways: the types the application's repository protocols
   store (``add``) and the domain classes that carry a ``version`` (the optimistic lock).
   Both must be exactly ``{Order, Product}``, so a rename or a new root fails loudly
   instead of letting the check find nothing. A root's boundary is its module; its
   entities are the other plain classes there (exactly ``OrderLine`` in ``Order``'s). Then,
   from the syntax tree, whatever a class holds (class-level annotations, ``__init__``
   parameters, annotated ``self.x`` assignments, ``@property`` results, and method
   parameters kept in ``self``, directly, in a container, or through ``append``/``add``)
   is resolved through the module's imports to the real class. No class may hold a root
   or entity of another aggregate; value objects and events hold none at all.

A check that cannot fail proves nothing, so each one also runs over small synthetic
domains, written into a temporary package with one planted breach each, and must report
exactly that breach; a few harmless variations must report nothing. The framework-free
domain and application are an import-linter contract and are not repeated here.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import pkgutil
import re
import sys
import textwrap
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest

from kata.aggregate.domain.events import DomainEvent, LineFact
from kata.aggregate.domain.money import Money
from kata.aggregate.domain.order import Order, OrderLine
from kata.aggregate.domain.pricing import Totals
from kata.aggregate.domain.product import Product
from kata.aggregate.domain.values import Quantity, Sku

DOMAIN = "kata.aggregate.domain"
PORTS = "kata.aggregate.application.ports"


# --- reading the code ---------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleCode:
    """One module: its syntax tree, the imported module, and the names its imports bind."""

    name: str
    tree: ast.Module
    module: types.ModuleType
    imports: Mapping[str, str]  # local name -> the dotted name it stands for

    def classes(self) -> Iterator[tuple[ast.ClassDef, type]]:
        """The classes defined at the top of the module, as syntax and as objects."""
        for node in self.tree.body:
            if isinstance(node, ast.ClassDef):
                cls = getattr(self.module, node.name)
                assert isinstance(cls, type), f"{self.name}.{node.name} is not a class"
                yield node, cls

    def resolve(self, dotted: str) -> object | None:
        """What a (dotted) name in this module stands for; imports made only for type
        checking count, as every module of the package has been imported."""
        head, _, rest = dotted.partition(".")
        if head in self.imports:
            return _lookup(".".join(part for part in (self.imports[head], rest) if part))
        return _attribute_path(self.module, dotted)

    def types_named(self, annotation: ast.expr) -> set[type]:
        """Every class an annotation names, quoted names and aliases included."""
        found: set[type] = set()
        for dotted in _dotted_names(annotation):
            found |= _types_in(self.resolve(dotted))
        return found


Domain = tuple[ModuleCode, ...]


def read_module(name: str) -> ModuleCode:
    module = importlib.import_module(name)
    assert module.__file__ is not None, f"{name} has no source file"
    path = Path(module.__file__)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if hasattr(module, "__path__") else name.rpartition(".")[0]
    return ModuleCode(name, tree, module, _imports(tree, package))


def read_package(name: str) -> Domain:
    """Every module of a package (imported, so that names resolve to the real classes)."""
    package = importlib.import_module(name)
    names = [info.name for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}.")]
    return tuple(read_module(module) for module in sorted([name, *names]))


def _imports(tree: ast.Module, package: str) -> dict[str, str]:
    bound: dict[str, str] = {}
    for node in ast.walk(tree):  # under ``if TYPE_CHECKING:`` too
        if isinstance(node, ast.Import):
            for alias in node.names:
                head = alias.name.partition(".")[0]
                bound[alias.asname or head] = alias.name if alias.asname else head
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(package, node.module, node.level)
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{base}.{alias.name}"
    return bound


def _absolute(package: str, module: str | None, level: int) -> str:
    if level == 0:
        return module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _lookup(dotted: str) -> object | None:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is not None:
            return _attribute_path(module, ".".join(parts[cut:]))
    return None


def _attribute_path(start: object, dotted: str) -> object | None:
    target: object | None = start
    for part in filter(None, dotted.split(".")):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _dotted_names(annotation: ast.expr) -> Iterator[str]:
    for node in ast.walk(annotation):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                quoted = ast.parse(node.value, mode="eval")
            except SyntaxError:
                continue
            yield from _dotted_names(quoted.body)
        elif isinstance(node, ast.Name | ast.Attribute):
            dotted = _dotted(node)
            if dotted is not None:
                yield dotted


def _types_in(target: object) -> set[type]:
    """The classes an object names: itself, or the parts of an alias like ``list[X] | None``."""
    args = typing.get_args(target)
    if args:
        origin = typing.get_origin(target)
        return set().union(*(_types_in(arg) for arg in (origin, *args)))
    return {target} if isinstance(target, type) else set()


# --- the aggregate roots and their boundaries ---------------------------------------------


def roots_by_version(domain: Domain) -> set[type]:
    """Domain classes that carry a ``version``: the optimistic lock only roots have."""
    return {cls for code in domain for node, cls in code.classes() if _has_version(node)}


def _has_version(node: ast.ClassDef) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.AnnAssign) and _dotted(sub.target) in ("version", "self.version"):
            return True
        if (
            isinstance(sub, ast.Attribute)
            and isinstance(sub.ctx, ast.Store)
            and _dotted(sub) == "self.version"
        ):
            return True
    return False


def roots_by_repositories(ports: ModuleCode) -> set[type]:
    """The types the application's ``...Repository`` protocols store through ``add``."""
    roots: set[type] = set()
    for node, _ in ports.classes():
        is_protocol = any(typing.Protocol in ports.types_named(base) for base in node.bases)
        if not (is_protocol and node.name.endswith("Repository")):
            continue
        add = next(
            (s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "add"), None
        )
        assert add is not None, f"{node.name} has no add(): which aggregate does it store?"
        stored = {t for _, annotation in _parameters(add) for t in ports.types_named(annotation)}
        assert len(stored) == 1, f"{node.name}.add stores {stored}, not one aggregate"
        roots |= stored
    return roots


def boundaries(domain: Domain, roots: set[type]) -> dict[type, frozenset[type]]:
    """Each root with its entities: the other plain classes of its module (not roots,
    dataclasses, enums or errors)."""
    modules = {code.name: code for code in domain}
    return {
        root: frozenset(
            cls
            for _, cls in modules[root.__module__].classes()
            if cls not in roots and not dataclasses.is_dataclass(cls) and not _apart(cls)
        )
        for root in roots
    }


def _apart(cls: type) -> bool:
    """Enums and errors are neither entities nor value objects."""
    return issubclass(cls, enum.Enum | BaseException)


def _members(bounds: Mapping[type, frozenset[type]]) -> dict[type, type]:
    """Each root and entity -> the root of its aggregate."""
    return {member: root for root, entities in bounds.items() for member in (root, *entities)}


# --- rule 2: what the classes hold --------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    holder: type
    held: type
    how: str
    line: int


@dataclass(frozen=True, order=True)
class Breach:
    holder: str
    held: str
    aggregate: str  # the root of the aggregate the held class belongs to
    how: str
    line: int

    def __str__(self) -> str:
        return (
            f"{self.holder} holds {self.held} (of the {self.aggregate} aggregate) through "
            f"{self.how}, line {self.line}"
        )


def holdings(code: ModuleCode) -> Iterator[Holding]:
    for node, cls in code.classes():
        for how, annotation in _held_annotations(node):
            for held in code.types_named(annotation):
                yield Holding(cls, held, how, annotation.lineno)


def _held_annotations(node: ast.ClassDef) -> Iterator[tuple[str, ast.expr]]:
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            yield f"attribute `{stmt.target.id}`", stmt.annotation
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _held_by_method(stmt)


def _held_by_method(
    method: ast.FunctionDef | ast.AsyncFunctionDef,
) -> Iterator[tuple[str, ast.expr]]:
    annotated = dict(_parameters(method))
    if method.name == "__init__":
        for name, annotation in annotated.items():
            yield f"parameter `{name}` of __init__", annotation
    if method.returns is not None and any(
        _dotted(d) in ("property", "cached_property", "functools.cached_property")
        for d in method.decorator_list
    ):
        yield f"property `{method.name}`", method.returns
    for sub in ast.walk(method):
        if isinstance(sub, ast.AnnAssign) and _in_self(sub.target):
            yield f"attribute `{ast.unparse(sub.target)}` set in {method.name}", sub.annotation
        if method.name == "__init__":
            continue  # every parameter of __init__ is counted already
        for name in _kept_in_self(sub):
            if name in annotated:
                yield f"`{name}` kept by {method.name}", annotated[name]


def _parameters(method: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[tuple[str, ast.expr]]:
    """The annotated parameters, by name (``self`` never is annotated)."""
    args = method.args
    for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if arg is not None and arg.annotation is not None:
            yield arg.arg, arg.annotation


def _in_self(target: ast.expr) -> bool:
    """``self.x``, ``self.x[k]``, ``self.x.y``, or a tuple of targets with one of them."""
    if isinstance(target, ast.Tuple | ast.List):
        return any(_in_self(element) for element in target.elts)
    if isinstance(target, ast.Attribute | ast.Subscript):
        inner = target.value
        return (isinstance(inner, ast.Name) and inner.id == "self") or _in_self(inner)
    return False


def _kept_in_self(node: ast.AST) -> Iterator[str]:
    """Names a statement or call stores into ``self``."""
    if isinstance(node, ast.Assign) and any(_in_self(t) for t in node.targets):
        yield from _kept_names(node.value)
    elif isinstance(node, ast.AnnAssign | ast.AugAssign) and _in_self(node.target):
        if node.value is not None:
            yield from _kept_names(node.value)
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and _in_self(node.func.value)  # self._seen.append(x), not self.method(x)
    ):
        for arg in [*node.args, *(keyword.value for keyword in node.keywords)]:
            yield from _kept_names(arg)


_CONTAINERS = frozenset({"list", "tuple", "set", "frozenset", "dict", "sorted"})


def _kept_names(value: ast.expr) -> Iterator[str]:
    """The names whose objects a value keeps: ``x``, ``[x]``, ``list(x)``, ``{k: x for x in xs}``
    (``xs``); not ``x.price`` or ``Line(x)``, which keep something else."""
    if isinstance(value, ast.Name):
        yield value.id
    elif isinstance(value, ast.Starred):
        yield from _kept_names(value.value)
    elif isinstance(value, ast.Tuple | ast.List | ast.Set):
        for element in value.elts:
            yield from _kept_names(element)
    elif isinstance(value, ast.Dict):
        for part in [*value.keys, *value.values]:
            if part is not None:
                yield from _kept_names(part)
    elif isinstance(value, ast.Call) and _dotted(value.func) in _CONTAINERS:
        for arg in value.args:
            yield from _kept_names(arg)
    elif isinstance(value, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
        yield from _kept_by_comprehension(value)


def _kept_by_comprehension(
    value: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
) -> Iterator[str]:
    kept = [value.key, value.value] if isinstance(value, ast.DictComp) else [value.elt]
    kept_ids = {element.id for element in kept if isinstance(element, ast.Name)}
    for generator in value.generators:
        if isinstance(generator.target, ast.Name) and generator.target.id in kept_ids:
            yield from _kept_names(generator.iter)


def reference_breaches(domain: Domain) -> list[Breach]:
    """Every class holding a root or entity of an aggregate it is not part of."""
    bounds = boundaries(domain, roots_by_version(domain))
    aggregate_of = _members(bounds)
    home_of_module = {root.__module__: root for root in bounds}
    breaches: set[Breach] = set()
    for code in domain:
        home = home_of_module.get(code.name)  # None: outside every aggregate
        for holding in holdings(code):
            owner = aggregate_of.get(holding.held)
            if owner is not None and owner is not home:
                breaches.add(
                    Breach(
                        holding.holder.__qualname__,
                        holding.held.__qualname__,
                        owner.__qualname__,
                        holding.how,
                        holding.line,
                    )
                )
    return sorted(breaches)


# --- rule 1: value objects and events are immutable ---------------------------------------


def event_types(domain: Domain) -> set[type]:
    """The members of the ``DomainEvent`` union, from the one module that defines it."""
    homes = [code for code in domain if "DomainEvent" in _top_level_assignments(code.tree)]
    assert len(homes) == 1, f"DomainEvent defined in {[code.name for code in homes]}"
    union = homes[0].module.DomainEvent
    members = typing.get_args(union) or (union,)
    assert all(isinstance(member, type) for member in members), f"not classes: {members}"
    return set(members)


def _top_level_assignments(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for stmt in tree.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else []
        if isinstance(stmt, ast.AnnAssign):
            targets = [stmt.target]
        names |= {target.id for target in targets if isinstance(target, ast.Name)}
    return names


def values_and_events(domain: Domain) -> set[type]:
    """Every domain class that is not a root, an entity, an enum or an error, and every
    event type."""
    inside = _members(boundaries(domain, roots_by_version(domain)))
    classes = {cls for code in domain for _, cls in code.classes()}
    return {cls for cls in classes if cls not in inside and not _apart(cls)} | event_types(domain)


@dataclass(frozen=True, order=True)
class Flaw:
    cls: str
    kind: str  # not-frozen, mutable-field, cannot-build, unhashable, accepts-change, ...
    detail: str

    def __str__(self) -> str:
        return f"{self.cls} [{self.kind}]: {self.detail}"


def immutability_flaws(classes: Iterable[type]) -> list[Flaw]:
    return sorted({flaw for cls in classes for flaw in _flaws_of(cls)})


def _flaws_of(cls: type) -> Iterator[Flaw]:
    name = cls.__qualname__
    if not _declared_frozen(cls):
        yield Flaw(name, "not-frozen", "is not declared @dataclass(frozen=True) itself")
    if not dataclasses.is_dataclass(cls):
        return
    fields = [field.name for field in dataclasses.fields(cls)]
    hints = typing.get_type_hints(cls)
    for field in fields:
        for part in _mutable_parts(hints[field]):
            yield Flaw(name, "mutable-field", f"field `{field}` has the mutable type {part}")
    try:
        instance = _sample(cls)
    except (TypeError, ValueError) as error:
        yield Flaw(name, "cannot-build", f"no instance from sample values: {error}")
        return
    try:
        hash(instance)
    except TypeError as error:
        yield Flaw(name, "unhashable", f"hash() failed ({error}): it holds something mutable")
    yield from _changes_accepted(name, instance, fields)


def _declared_frozen(cls: object) -> bool:
    """Declared ``@dataclass(frozen=True)`` itself (a plain subclass inherits the flag but
    accepts new attributes)."""
    params = vars(cls).get("__dataclass_params__") if isinstance(cls, type) else None
    return params is not None and bool(params.frozen)


def _changes_accepted(name: str, instance: object, fields: list[str]) -> Iterator[Flaw]:
    changes: dict[str, Callable[[], None]] = {
        f"instance.{field} = <its own value>": partial(
            setattr, instance, field, getattr(instance, field)
        )
        for field in fields
    }
    changes["instance.added_later = 1"] = partial(setattr, instance, "added_later", 1)
    changes |= {f"del instance.{field}": partial(delattr, instance, field) for field in fields}
    for change, make in changes.items():
        try:
            make()
        except dataclasses.FrozenInstanceError:
            continue
        except Exception as error:  # refused, but not the way a frozen dataclass refuses
            yield Flaw(name, "wrong-refusal", f"{change} raised {type(error).__name__}")
        else:
            yield Flaw(name, "accepts-change", f"{change} succeeded")


_SCALARS: dict[object, object] = {
    str: "A1",
    bool: True,
    int: 1,
    float: 1.0,
    Decimal: Decimal("1.00"),
    datetime: datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    date: date(2024, 1, 2),
    bytes: b"1",
    type(None): None,
}
_UNIONS: tuple[object, ...] = (typing.Union, types.UnionType)


def _mutable_parts(annotation: object) -> Iterator[str]:
    """The parts of a field type that are not immutable."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return
    if origin in (tuple, frozenset, *_UNIONS):
        for arg in typing.get_args(annotation):
            if arg is not Ellipsis:
                yield from _mutable_parts(arg)
        return
    if origin is None and (
        any(annotation is scalar for scalar in _SCALARS)
        or (isinstance(annotation, type) and issubclass(annotation, enum.Enum))
        or _declared_frozen(annotation)
    ):
        return
    yield repr(annotation)


def _sample(annotation: object) -> object:
    """A valid value of a type, to build an instance to try changing."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is tuple:
        if args[1:] == (Ellipsis,):
            return (_sample(args[0]),)
        return tuple(_sample(arg) for arg in args)
    if origin in (list, set, frozenset):
        return origin([_sample(args[0])])
    if origin is dict:
        return {_sample(args[0]): _sample(args[1])}
    if origin in _UNIONS:
        return _sample(next(arg for arg in args if arg is not type(None)))
    if origin is typing.Literal:
        return args[0]
    for scalar, value in _SCALARS.items():
        if annotation is scalar:
            return value
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return next(iter(annotation))
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        hints = typing.get_type_hints(annotation)
        build: Callable[..., object] = annotation
        fields = dataclasses.fields(annotation)
        return build(**{field.name: _sample(hints[field.name]) for field in fields if field.init})
    raise TypeError(f"no sample value for {annotation!r}")


# --- the rules, on the aggregate variant's domain ----------------------------------------


@pytest.fixture(scope="module")
def domain() -> Domain:
    return read_package(DOMAIN)


def test_the_aggregate_roots_are_order_and_product_by_repository_and_by_version(
    domain: Domain,
) -> None:
    assert roots_by_repositories(read_module(PORTS)) == {Order, Product}
    assert roots_by_version(domain) == {Order, Product}
    assert Order.__module__ != Product.__module__  # a module per aggregate: its boundary


def test_the_only_entity_is_the_order_line_inside_the_order(domain: Domain) -> None:
    assert boundaries(domain, roots_by_version(domain)) == {
        Order: frozenset({OrderLine}),
        Product: frozenset(),
    }


def test_the_reference_check_sees_what_the_domain_classes_hold(domain: Domain) -> None:
    held = {(holding.holder, holding.held) for code in domain for holding in holdings(code)}

    assert {
        (Order, OrderLine),
        (OrderLine, Sku),
        (OrderLine, Money),
        (Product, Sku),
        (Product, Money),
        (LineFact, Money),
    } <= held


def test_no_aggregate_or_entity_holds_a_reference_to_another_aggregate(domain: Domain) -> None:
    breaches = reference_breaches(domain)

    assert not breaches, "\n".join(map(str, breaches))


def test_the_value_objects_and_events_are_found_by_reading_the_code(domain: Domain) -> None:
    events = set(typing.get_args(DomainEvent))

    assert event_types(domain) == events
    assert {Money, Sku, Quantity, Totals, LineFact, *events} <= values_and_events(domain)


def test_value_objects_and_events_are_frozen_dataclasses_that_refuse_every_change(
    domain: Domain,
) -> None:
    flaws = immutability_flaws(values_and_events(domain))

    assert not flaws, "\n".join(map(str, flaws))


# --- the checks bite: synthetic domains with one planted breach each ----------------------
# Markers ``# <name>`` take a snippet (indented like the marker); a key ending in ``.py``
# adds or replaces a whole file. ``PKG`` stands for the package's unique name.

_TEMPLATES = {
    "__init__.py": "",
    "values.py": """
        from __future__ import annotations

        from dataclasses import dataclass
        # <values-imports>


        @dataclass(frozen=True)
        class Sku:
            code: str

        # <values>
    """,
    "events.py": """
        from __future__ import annotations

        from dataclasses import dataclass
        # <events-imports>


        @dataclass(frozen=True)
        class OrderPlaced:
            order_id: str
            skus: tuple[str, ...]


        @dataclass(frozen=True)
        class OrderShipped:
            order_id: str


        DomainEvent = OrderPlaced | OrderShipped
        # <events>
    """,
    "order.py": """
        from __future__ import annotations

        from collections.abc import Iterable

        from PKG.events import DomainEvent
        from PKG.values import Sku
        # <order-imports>


        class OrderLine:
            def __init__(
                self,
                sku: Sku,
                quantity: int,
                # <line-params>
            ) -> None:
                self._sku = sku
                self._quantity = quantity
                # <line-init>

            # <line>


        class Order:
            def __init__(self, id: str, lines: Iterable[OrderLine], version: int = 0) -> None:
                self._id = id
                self._lines = list(lines)
                self._events: list[DomainEvent] = []
                self.version = version
                # <order-init>

            # <order>
    """,
    "product.py": """
        from __future__ import annotations

        from PKG.values import Sku
        # <product-imports>


        class Product:
            def __init__(
                self,
                sku: Sku,
                stock: int,
                # <product-params>
                version: int = 0,
            ) -> None:
                self._sku = sku
                self._stock = stock
                self.version = version
                # <product-init>

            @property
            def sku(self) -> Sku:
                return self._sku

            # <product>

        # <product-module>
    """,
}
_MARKER = re.compile(r"^(?P<indent>\s*)# <(?P<name>[\w-]+)>$")


def _fill(template: str, snippets: Mapping[str, str], used: set[str]) -> str:
    lines: list[str] = []
    for line in textwrap.dedent(template).strip("\n").splitlines():
        marker = _MARKER.match(line)
        if marker is None:
            lines.append(line)
            continue
        used.add(marker["name"])
        snippet = textwrap.dedent(snippets.get(marker["name"], "")).strip("\n")
        lines += [marker["indent"] + part if part else "" for part in snippet.splitlines()]
    return "\n".join(lines) + "\n"


MakeDomain = Callable[[Mapping[str, str]], Domain]


@pytest.fixture
def make_domain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeDomain]:
    """Writes the templates, changed as asked, into a fresh package and reads it."""
    monkeypatch.syspath_prepend(str(tmp_path))
    made: list[str] = []

    def make(changes: Mapping[str, str]) -> Domain:
        package = f"aggregate_probe_{uuid.uuid4().hex[:12]}"
        directory = tmp_path / package
        directory.mkdir()
        files = {name: text for name, text in changes.items() if name.endswith(".py")}
        snippets = {name: text for name, text in changes.items() if name not in files}
        used: set[str] = set()
        for name, template in {**_TEMPLATES, **files}.items():
            text = _fill(template, snippets, used).replace("PKG", package)
            (directory / name).write_text(text, encoding="utf-8")
        assert set(snippets) <= used, f"no such markers: {set(snippets) - used}"
        importlib.invalidate_caches()
        made.append(package)
        return read_package(package)

    yield make
    for name in [name for name in sys.modules if name.partition(".")[0] in made]:
        del sys.modules[name]


def _names(classes: Iterable[type]) -> set[str]:
    return {cls.__qualname__ for cls in classes}


def test_the_unchanged_synthetic_domain_breaks_no_rule(make_domain: MakeDomain) -> None:
    domain = make_domain({})
    roots = roots_by_version(domain)

    assert _names(roots) == {"Order", "Product"}
    assert {_names([root]).pop(): _names(e) for root, e in boundaries(domain, roots).items()} == {
        "Order": {"OrderLine"},
        "Product": set(),
    }
    assert _names(values_and_events(domain)) == {"Sku", "OrderPlaced", "OrderShipped"}
    assert reference_breaches(domain) == []
    assert immutability_flaws(values_and_events(domain)) == []


_PRODUCT = {"order-imports": "from PKG.product import Product"}
_ORDER = {"product-imports": "from PKG.order import Order, OrderLine"}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {**_PRODUCT, "line-params": "product: Product,"},
            ("OrderLine", "Product", "parameter `product` of __init__"),
            id="a line given a product when made",
        ),
        pytest.param(
            {**_PRODUCT, "line": "product: Product"},
            ("OrderLine", "Product", "attribute `product`"),
            id="a line declaring a product attribute",
        ),
        pytest.param(
            {
                **_PRODUCT,
                "order": """
                    def attach(self, product: Product) -> None:
                        self._product = product
                """,
            },
            ("Order", "Product", "`product` kept by attach"),
            id="an order keeping a product passed to a method",
        ),
        pytest.param(
            {
                **_PRODUCT,
                "order": """
                    def remember(self, product: Product) -> None:
                        self._lines.append(product)
                """,
            },
            ("Order", "Product", "`product` kept by remember"),
            id="an order appending a product to a list it holds",
        ),
        pytest.param(
            {
                **_PRODUCT,
                "order": """
                    def index(self, products: list[Product]) -> None:
                        self._by_sku = {product.sku: product for product in products}
                """,
            },
            ("Order", "Product", "`products` kept by index"),
            id="an order keeping products through a comprehension",
        ),
        pytest.param(
            {**_PRODUCT, "order-init": "self._cache: dict[str, Product] = {}"},
            ("Order", "Product", "attribute `self._cache` set in __init__"),
            id="an order with an annotated attribute of products",
        ),
        pytest.param(
            {
                **_PRODUCT,
                "line": """
                    @property
                    def product(self) -> Product:
                        raise NotImplementedError
                """,
            },
            ("OrderLine", "Product", "property `product`"),
            id="a line with a product property",
        ),
        pytest.param(
            {"order-imports": "from .product import Product as Item", "line": "item: Item"},
            ("OrderLine", "Product", "attribute `item`"),
            id="a product imported relatively under another name",
        ),
        pytest.param(
            {
                "order-imports": "from PKG import product as catalogue",
                "line": "p: catalogue.Product",
            },
            ("OrderLine", "Product", "attribute `p`"),
            id="a product named through its module",
        ),
        pytest.param(
            {
                "order-imports": """
                    from typing import TYPE_CHECKING

                    if TYPE_CHECKING:
                        from PKG.product import Product
                """,
                "line": 'product: "Product | None"',
            },
            ("OrderLine", "Product", "attribute `product`"),
            id="a quoted product imported only for type checking",
        ),
        pytest.param(
            {
                "order-imports": """
                    from PKG.product import Product

                    Catalogue = dict[str, Product]
                """,
                "order-init": "self._catalogue: Catalogue = {}",
            },
            ("Order", "Product", "attribute `self._catalogue` set in __init__"),
            id="products behind a type alias",
        ),
        pytest.param(
            {**_ORDER, "product-params": "orders: tuple[Order, ...],"},
            ("Product", "Order", "parameter `orders` of __init__"),
            id="a product holding its orders",
        ),
        pytest.param(
            {**_ORDER, "product-init": "self._lines: list[OrderLine] = []"},
            ("Product", "OrderLine", "attribute `self._lines` set in __init__"),
            id="a product holding order lines, entities of another aggregate",
        ),
        pytest.param(
            {
                "receipts.py": """
                    from __future__ import annotations

                    from dataclasses import dataclass

                    from PKG.order import Order


                    @dataclass(frozen=True)
                    class Receipt:
                        order: Order
                """
            },
            ("Receipt", "Order", "attribute `order`"),
            id="a value object holding an order",
        ),
    ],
)
def test_the_reference_check_reports_a_planted_reference(
    make_domain: MakeDomain, changes: Mapping[str, str], expected: tuple[str, str, str]
) -> None:
    breaches = reference_breaches(make_domain(changes))

    assert [(b.holder, b.held, b.how) for b in breaches] == [expected]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param(
            {
                **_PRODUCT,
                "order": """
                    def add_line(self, product: Product, quantity: int) -> None:
                        self._lines.append(OrderLine(product.sku, quantity))
                        self._last_sku = product.sku
                        self.describe(product)

                    def describe(self, product: Product) -> str:
                        return str(product.sku)
                """,
            },
            id="an order reading a product it is handed",
        ),
        pytest.param(
            {"line-params": "order: Order,"},
            id="a line referring to its own order",
        ),
        pytest.param({"line-params": "product_sku: Sku,"}, id="a line holding a product's SKU"),
    ],
)
def test_the_reference_check_allows_what_the_rule_allows(
    make_domain: MakeDomain, changes: Mapping[str, str]
) -> None:
    assert reference_breaches(make_domain(changes)) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {
                "events": """
                    @dataclass
                    class OrderCancelled:
                        order_id: str


                    DomainEvent = OrderPlaced | OrderShipped | OrderCancelled
                """
            },
            {
                ("OrderCancelled", "not-frozen"),
                ("OrderCancelled", "unhashable"),
                ("OrderCancelled", "accepts-change"),
            },
            id="an event dataclass that is not frozen",
        ),
        pytest.param(
            {
                "values": """
                    @dataclass(frozen=True)
                    class Basket:
                        skus: list[Sku]
                """
            },
            {("Basket", "mutable-field"), ("Basket", "unhashable")},
            id="a value object with a list field",
        ),
        pytest.param(
            {
                "values": """
                    @dataclass(frozen=True)
                    class Prices:
                        by_sku: dict[str, int]
                """
            },
            {("Prices", "mutable-field"), ("Prices", "unhashable")},
            id="a value object with a dict field",
        ),
        pytest.param(
            {
                "events": """
                    @dataclass(frozen=True)
                    class OrderTagged:
                        tags: set[str] | None


                    DomainEvent = OrderPlaced | OrderShipped | OrderTagged
                """
            },
            {("OrderTagged", "mutable-field"), ("OrderTagged", "unhashable")},
            id="an event with an optional set field",
        ),
        pytest.param(
            {
                "values": """
                    Skus = list[str]


                    @dataclass(frozen=True)
                    class Shelf:
                        skus: Skus
                """
            },
            {("Shelf", "mutable-field"), ("Shelf", "unhashable")},
            id="a list behind a type alias",
        ),
        pytest.param(
            {
                "values": """
                    class Discount:
                        def __init__(self, percent: int) -> None:
                            self.percent = percent
                """
            },
            {("Discount", "not-frozen")},
            id="a plain class among the value objects",
        ),
        pytest.param(
            {"values": "class SpecialSku(Sku):\n    pass"},
            {("SpecialSku", "not-frozen"), ("SpecialSku", "accepts-change")},
            id="a plain subclass of a frozen dataclass",
        ),
        pytest.param(
            {
                "product-module": """
                    class StockReserved:
                        def __init__(self, sku: str) -> None:
                            self.sku = sku
                """,
                "events-imports": "from PKG.product import StockReserved",
                "events": "DomainEvent = OrderPlaced | OrderShipped | StockReserved",
            },
            {("StockReserved", "not-frozen")},
            id="an event declared as a plain class in an aggregate module",
        ),
    ],
)
def test_the_immutability_check_reports_a_planted_mutable_value(
    make_domain: MakeDomain, changes: Mapping[str, str], expected: set[tuple[str, str]]
) -> None:
    flaws = immutability_flaws(values_and_events(make_domain(changes)))

    assert {(flaw.cls, flaw.kind) for flaw in flaws} == expected
