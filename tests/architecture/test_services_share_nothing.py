"""The microservices variant's two services share nothing but HTTP: their data stays apart.

``.importlinter`` keeps ``ordering`` and ``inventory`` from importing each other
(``microservices-layers``). What an import contract cannot see is checked here, over the code
and at run time, the way ``test_aggregate_rules.py`` checks what the aggregate's classes hold:

1. **No SQL of one service names the other's tables.** Every string in a service's code
   (docstrings aside: they explain, they do not run) names only its own tables: ordering's
   begin with ``mo_``, inventory's with ``mi_``. The chassis, which both share, names none.
2. **Each service builds its own schema and its own database.** Each makes exactly one
   ``MetaData``, hangs every ``Table`` it defines on it, names them with its own prefix, and
   gives that ``MetaData`` (never the other's) to every ``Database`` it makes, each with an
   engine of its own. The chassis and the composition (``app``, ``gateway``, ``launch``)
   make no ``MetaData``, no ``Table`` and no ``Database``: nothing to share.
3. **At run time**, with both services made by ``create_app`` on one database (one SQLite
   file, or one PostgreSQL schema where a server is configured), a short scenario (register
   a product, place an order, cancel it) runs while every statement of every engine is
   recorded: the ordering engine's never touch ``mi_`` tables, the inventory engine's never
   ``mo_``, no engine but theirs runs SQL, and no transaction touches both prefixes.

A check that cannot fail proves nothing, so the code checks also run over a small synthetic
variant written into a temporary folder, with one planted breach each, and must report it;
the run-time check's judgement runs over planted statement logs.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, MetaData, event

from kata import variants
from kata.microservices.chassis import database as chassis_database
from kata.microservices.inventory import tables as inventory_tables
from kata.microservices.ordering.adapters.sql import tables as ordering_tables
from tests.backends import backends, fresh_database

VARIANT = "microservices"
PACKAGE = "kata.microservices"
FOLDER = variants.REPO_ROOT / "kata" / "microservices"
# Each service and the prefix of its tables.
PREFIXES: Mapping[str, str] = {"ordering": "mo_", "inventory": "mi_"}
SHARED = "chassis"
_TABLE_NAME = re.compile(rf"\b(?:{'|'.join(PREFIXES.values())})\w+")


def owner_of_table(table: str) -> str:
    return next(service for service, prefix in PREFIXES.items() if table.startswith(prefix))


# --- reading the code ---------------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    name: str  # below the variant's package: "ordering.adapters.sql.tables"
    tree: ast.Module
    imports: Mapping[str, str]  # local name -> what it stands for, below the package

    @property
    def owner(self) -> str:
        """The service the module belongs to, ``chassis``, or ``composition``."""
        head = self.name.partition(".")[0]
        return head if head in (*PREFIXES, SHARED) else "composition"

    def resolve(self, node: ast.expr) -> str | None:
        """What a name used here stands for, below the package: a module-level name of
        this module, or one it imports."""
        if not isinstance(node, ast.Name):
            return None
        return self.imports.get(node.id, f"{self.name}.{node.id}")


def read_variant(folder: Path, package: str) -> list[Module]:
    modules = []
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        home = name if is_package else name.rpartition(".")[0]
        modules.append(Module(name, tree, _imports(tree, package, home)))
    return modules


def _imports(tree: ast.Module, package: str, home: str) -> dict[str, str]:
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = home.split(".") if home else []
                base = ".".join([*parts[: len(parts) - (node.level - 1)], node.module or ""])
            else:
                base = (node.module or "").removeprefix(f"{package}.")
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{base.strip('.')}.{alias.name}"
    return bound


def _calls(module: Module, callee: str) -> Iterator[ast.Call]:
    """Calls of ``callee`` (``Table`` or ``sqlalchemy.Table``) anywhere in the module."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called == callee:
                yield node


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes of the module, its classes and its functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


# --- rule 1: a service's SQL names only its own tables ------------------------------------


def foreign_tables(modules: Sequence[Module]) -> list[str]:
    breaches = []
    for module in modules:
        if module.owner == "composition":
            continue
        docstrings = _docstrings(module.tree)
        for node in ast.walk(module.tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            if id(node) in docstrings:
                continue
            for table in _TABLE_NAME.findall(node.value):
                if owner_of_table(table) != module.owner:
                    breaches.append(
                        f"{module.name} (line {node.lineno}) names {table}, "
                        f"a table of {owner_of_table(table)}"
                    )
    return breaches


# --- rule 2: each service its own MetaData, Tables and Database ---------------------------


@dataclass(frozen=True)
class Schema:
    service: str
    metadata: str | None  # where its one MetaData is bound: "ordering.adapters.sql.tables.metadata"
    breaches: tuple[str, ...]


def schema_breaches(modules: Sequence[Module]) -> list[str]:
    breaches = [*_shared_schema(modules)]
    for service in PREFIXES:
        own = [module for module in modules if module.owner == service]
        schema = _schema_of(service, own)
        breaches += schema.breaches
        if schema.metadata is not None:
            breaches += _tables_on(schema, own)
            breaches += _databases_on(schema, own)
    return breaches


def _shared_schema(modules: Sequence[Module]) -> Iterator[str]:
    for module in modules:
        if module.owner in PREFIXES:
            continue
        for made in ("MetaData", "Table", "Database"):
            for call in _calls(module, made):
                yield f"{module.name} (line {call.lineno}) makes a {made}, shared by no service"


def _schema_of(service: str, own: Sequence[Module]) -> Schema:
    made = [_bound_to(module, call) for module in own for call in _calls(module, "MetaData")]
    if len(made) != 1:
        return Schema(service, None, (f"{service} makes {len(made)} MetaData, not one: {made}",))
    return Schema(service, made[0], ())


def _bound_to(module: Module, call: ast.Call) -> str:
    """The module-level name a call's result is bound to (``metadata = MetaData()``)."""
    for statement in module.tree.body:
        if isinstance(statement, ast.Assign) and statement.value is call:
            targets = [t.id for t in statement.targets if isinstance(t, ast.Name)]
            if targets:
                return f"{module.name}.{targets[0]}"
    return f"{module.name} (line {call.lineno}, bound to no name)"


def _tables_on(schema: Schema, own: Sequence[Module]) -> Iterator[str]:
    prefix = PREFIXES[schema.service]
    for module in own:
        for call in _calls(module, "Table"):
            name = _argument(call, 0, "name")
            metadata = _argument(call, 1, "metadata")
            where = f"{module.name} (line {call.lineno})"
            if not (isinstance(name, ast.Constant) and str(name.value).startswith(prefix)):
                shown = ast.unparse(name) if name is not None else "nothing"
                yield f"{where} defines table {shown}, not named {prefix}…"
            if metadata is None or module.resolve(metadata) != schema.metadata:
                shown = ast.unparse(metadata) if metadata is not None else "no MetaData"
                yield f"{where} hangs a table on {shown}, not on {schema.metadata}"


def _databases_on(schema: Schema, own: Sequence[Module]) -> Iterator[str]:
    made = 0
    for module in own:
        for call in _calls(module, "Database"):
            made += 1
            metadata = _argument(call, 1, "metadata")
            if metadata is None or module.resolve(metadata) != schema.metadata:
                shown = ast.unparse(metadata) if metadata is not None else "no MetaData"
                yield (
                    f"{module.name} (line {call.lineno}) makes a Database of {shown}, "
                    f"not of {schema.metadata}"
                )
    if made == 0:
        yield f"{schema.service} makes no Database of its own"


# --- the real code ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def code() -> list[Module]:
    return read_variant(FOLDER, PACKAGE)


def test_no_sql_of_one_service_names_the_other_s_tables(code: list[Module]) -> None:
    assert foreign_tables(code) == []
    # Guards against a reader that sees nothing: each service names its own tables.
    named = {
        (module.owner, table)
        for module in code
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        for table in _TABLE_NAME.findall(node.value)
    }
    assert {owner for owner, _ in named} >= set(PREFIXES), named


def test_each_service_builds_its_own_schema_and_database_and_the_chassis_none(
    code: list[Module],
) -> None:
    assert schema_breaches(code) == []


def test_the_two_schemas_are_two_objects_with_the_tables_of_one_service_each() -> None:
    ordering, inventory = ordering_tables.metadata, inventory_tables.metadata

    assert ordering is not inventory
    assert {owner_of_table(name) for name in ordering.tables} == {"ordering"}
    assert {owner_of_table(name) for name in inventory.tables} == {"inventory"}
    assert not any(isinstance(value, MetaData) for value in vars(chassis_database).values())


# --- the checks catch what they are for: a synthetic variant, one breach planted ----------

_SYNTHETIC = {
    "__init__.py": '"""A variant of two services."""\n',
    "app.py": '"""Composition: ``mo_`` and ``mi_`` tables in one database, apart."""\n',
    "chassis/__init__.py": "",
    "chassis/database.py": """
        from sqlalchemy import MetaData, create_engine


        class Database:
            def __init__(self, url: str, metadata: MetaData) -> None:
                self.engine = create_engine(url)
                self.metadata = metadata
    """,
    "ordering/__init__.py": '"""Ordering: tables ``mo_``; inventory keeps mi_products."""\n',
    "ordering/tables.py": """
        from sqlalchemy import Column, Integer, MetaData, Table

        metadata = MetaData()
        orders = Table("mo_orders", metadata, Column("id", Integer, primary_key=True))
    """,
    "ordering/store.py": """
        from PKG.chassis.database import Database
        from PKG.ordering.tables import metadata

        # Stock lives in mi_products, behind inventory's API.
        LAST = "SELECT max(id) FROM mo_orders"


        def database(url: str) -> Database:
            \"\"\"Never joined with mi_reservations: inventory is asked over HTTP.\"\"\"
            return Database(url, metadata)
    """,
    "inventory/__init__.py": "",
    "inventory/tables.py": """
        import sqlalchemy as sa

        metadata = sa.MetaData()
        products = sa.Table("mi_products", metadata)
    """,
    "inventory/service.py": """
        from ..chassis.database import Database
        from .tables import metadata as schema


        def database(url: str) -> Database:
            return Database(url, metadata=schema)
    """,
}


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    folder = tmp_path / "variant"
    for name, text in _SYNTHETIC.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder


def _planted(folder: Path, changes: Mapping[str, str]) -> list[Module]:
    for name, text in changes.items():
        path = folder / name
        before = path.read_text(encoding="utf-8") if path.is_file() else ""
        path.write_text(before + textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return read_variant(folder, "PKG")


def test_the_unchanged_synthetic_variant_breaks_no_rule(synthetic: Path) -> None:
    modules = _planted(synthetic, {})

    assert foreign_tables(modules) == []
    assert schema_breaches(modules) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"ordering/store.py": 'STOCK = "SELECT stock FROM mi_products WHERE sku = :sku"\n'},
            ["ordering.store (line 11) names mi_products, a table of inventory"],
            id="ordering's SQL reading inventory's stock",
        ),
        pytest.param(
            {
                "inventory/service.py": (
                    'def done(n: int) -> str:\n    return f"UPDATE mo_orders SET n = {n}"\n'
                )
            },
            ["inventory.service (line 8) names mo_orders, a table of ordering"],
            id="inventory's SQL writing an order, in an f-string",
        ),
        pytest.param(
            {"chassis/database.py": 'LOCKED = "SELECT 1 FROM mi_reservations FOR UPDATE"\n'},
            ["chassis.database (line 8) names mi_reservations, a table of inventory"],
            id="the chassis naming a service's table",
        ),
    ],
)
def test_the_table_check_reports_a_planted_foreign_table(
    synthetic: Path, changes: Mapping[str, str], expected: list[str]
) -> None:
    modules = _planted(synthetic, changes)

    assert foreign_tables(modules) == expected
    assert schema_breaches(modules) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"chassis/database.py": "shared = MetaData()\n"},
            ["chassis.database (line 8) makes a MetaData, shared by no service"],
            id="a MetaData in the chassis",
        ),
        pytest.param(
            {
                "chassis/database.py": (
                    'from sqlalchemy import Table\n\naudit = Table("mo_audit", None)\n'
                )
            },
            ["chassis.database (line 10) makes a Table, shared by no service"],
            id="a table in the chassis",
        ),
        pytest.param(
            {
                "app.py": (
                    "from PKG.chassis.database import Database\n\n"
                    "BOTH = Database('sqlite://', None)\n"
                )
            },
            ["app (line 4) makes a Database, shared by no service"],
            id="a database made by the composition",
        ),
        pytest.param(
            {"ordering/tables.py": "outbox = MetaData()\n"},
            [
                "ordering makes 2 MetaData, not one: "
                "['ordering.tables.metadata', 'ordering.tables.outbox']"
            ],
            id="a service with two schemas",
        ),
        pytest.param(
            {"ordering/tables.py": 'audit = Table("audit", metadata)\n'},
            ["ordering.tables (line 5) defines table 'audit', not named mo_…"],
            id="a table without its service's prefix",
        ),
        pytest.param(
            {
                "ordering/tables.py": (
                    "from PKG.inventory.tables import metadata as theirs\n\n"
                    'mirror = Table("mo_mirror", theirs)\n'
                )
            },
            ["ordering.tables (line 7) hangs a table on theirs, not on ordering.tables.metadata"],
            id="a table on the other service's schema",
        ),
        pytest.param(
            {
                "ordering/store.py": (
                    "from PKG.inventory.tables import metadata as stock\n\n\n"
                    "def both(url: str) -> Database:\n    return Database(url, stock)\n"
                )
            },
            ["ordering.store (line 15) makes a Database of stock, not of ordering.tables.metadata"],
            id="a database given the other service's schema",
        ),
        pytest.param(
            {"inventory/service.py": "\n\ndef unused() -> None:\n    pass\n"},
            [],
            id="harmless: more code, no schema",
        ),
    ],
)
def test_the_schema_check_reports_a_planted_shared_schema(
    synthetic: Path, changes: Mapping[str, str], expected: list[str]
) -> None:
    modules = _planted(synthetic, changes)

    assert schema_breaches(modules) == expected


def test_the_schema_check_reports_a_service_that_makes_no_database(synthetic: Path) -> None:
    (synthetic / "inventory" / "service.py").write_text('"""No database yet."""\n', "utf-8")

    assert schema_breaches(read_variant(synthetic, "PKG")) == [
        "inventory makes no Database of its own"
    ]


# --- rule 3: at run time, each engine touches its own service's tables --------------------


@dataclass(frozen=True)
class Statement:
    service: str | None  # the service whose Database made the engine; None: no service's
    transaction: Any  # one value per transaction (the same for every statement in it)
    sql: str


def crossings(statements: Sequence[Statement]) -> list[str]:
    """Statements run on another service's tables, and transactions touching both."""
    breaches = []
    touched: dict[Any, set[str]] = {}
    for statement in statements:
        owners = {owner_of_table(table) for table in _TABLE_NAME.findall(statement.sql)}
        for owner in sorted(owners - {statement.service}):
            engine = statement.service or "an engine no service made"
            breaches.append(f"{engine} ran SQL on {owner}'s tables: {statement.sql}")
        touched.setdefault(statement.transaction, set()).update(owners)
    breaches += [
        f"one transaction touched the tables of {' and '.join(sorted(owners))}"
        for owners in touched.values()
        if len(owners) > 1
    ]
    return breaches


@dataclass
class Recording:
    engines: dict[Engine, str]  # each engine a service's Database made -> that service
    statements: list[Statement]
    _keep: list[object]  # keeps each transaction alive, so that no id is reused


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recording]:
    """Every Database the services make, and every statement any engine runs meanwhile."""
    services = {
        id(ordering_tables.metadata): "ordering",
        id(inventory_tables.metadata): "inventory",
    }
    made = Recording({}, [], [])
    make = chassis_database.Database.__init__

    def making(self: chassis_database.Database, url: str, metadata: MetaData) -> None:
        make(self, url, metadata)
        made.engines[self.engine] = services.get(id(metadata), f"unknown MetaData {metadata!r}")

    def record(connection: Connection, _cursor: Any, sql: str, *_rest: Any) -> None:
        transaction = connection.get_transaction()
        made._keep.append(transaction)
        key = (
            id(connection.connection.dbapi_connection),
            id(transaction) if transaction else len(made._keep),
        )
        made.statements.append(Statement(made.engines.get(connection.engine), key, sql))

    monkeypatch.setattr(chassis_database.Database, "__init__", making)
    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield made
    finally:
        event.remove(Engine, "before_cursor_execute", record)


@pytest.mark.parametrize("backend", backends())
def test_each_engine_touches_only_its_own_service_s_tables_and_no_transaction_both(
    backend: str, tmp_path: Path, recording: Recording
) -> None:
    with fresh_database(backend, tmp_path) as url:
        app = variants.create_app(VARIANT, url)  # both services, on one database
        try:
            client = app.test_client()
            product = {"sku": "SHARE-1", "name": "Nothing shared", "price": "4.00", "stock": 10}
            assert client.post("/products", json=product).status_code == 201
            placed = client.post(
                "/orders", json={"customer_id": "c-1", "lines": [{"sku": "SHARE-1", "quantity": 3}]}
            )
            assert placed.status_code == 201, placed.get_json()
            assert client.get("/products/SHARE-1").get_json()["stock"] == 7
            order = placed.get_json()["id"]
            assert client.post(f"/orders/{order}/cancellation", json={}).status_code == 200
            assert client.get("/products/SHARE-1").get_json()["stock"] == 10
        finally:
            variants.close_app(app)

    assert sorted(recording.engines.values()) == ["inventory", "ordering"]
    assert crossings(recording.statements) == []
    # Guards against a recording that saw nothing: each engine wrote to its own tables.
    for service, prefix in PREFIXES.items():
        writes = [
            s.sql
            for s in recording.statements
            if s.service == service and re.match(rf"\s*(INSERT|UPDATE)\b.*\b{prefix}", s.sql, re.S)
        ]
        assert writes, f"{service}'s engine wrote nothing to its tables"


def test_the_recording_sees_a_crossing_run_on_purpose(tmp_path: Path, recording: Recording) -> None:
    app = variants.create_app(VARIANT, f"sqlite:///{tmp_path / 'crossing.sqlite3'}")
    try:
        ordering = next(e for e, service in recording.engines.items() if service == "ordering")
        before = len(recording.statements)
        with ordering.begin() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM mo_orders")
            connection.exec_driver_sql("SELECT count(*) FROM mi_products")
    finally:
        variants.close_app(app)

    assert crossings(recording.statements[before:]) == [
        "ordering ran SQL on inventory's tables: SELECT count(*) FROM mi_products",
        "one transaction touched the tables of inventory and ordering",
    ]


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        pytest.param(
            [Statement("ordering", 1, "SELECT stock FROM mi_products")],
            ["ordering ran SQL on inventory's tables: SELECT stock FROM mi_products"],
            id="ordering's engine reading inventory's table",
        ),
        pytest.param(
            [Statement("inventory", 1, 'UPDATE "mo_orders" SET status = ?')],
            ['inventory ran SQL on ordering\'s tables: UPDATE "mo_orders" SET status = ?'],
            id="inventory's engine writing ordering's table, quoted",
        ),
        pytest.param(
            [Statement(None, 1, "DELETE FROM mo_sagas")],
            ["an engine no service made ran SQL on ordering's tables: DELETE FROM mo_sagas"],
            id="a third engine",
        ),
        pytest.param(
            [
                Statement("ordering", "t", "BEGIN IMMEDIATE"),
                Statement("ordering", "t", "INSERT INTO mo_orders VALUES (?)"),
                Statement("inventory", "t", "UPDATE mi_products SET stock = ?"),
            ],
            ["one transaction touched the tables of inventory and ordering"],
            id="one transaction on both services' tables",
        ),
        pytest.param(
            [
                Statement("ordering", "t1", "INSERT INTO mo_orders VALUES (?)"),
                Statement("inventory", "t2", "UPDATE mi_products SET stock = ?"),
                Statement("ordering", "t1", "SELECT 1"),
            ],
            [],
            id="harmless: two transactions, one service each",
        ),
    ],
)
def test_the_run_time_check_reports_a_planted_crossing(
    statements: list[Statement], expected: list[str]
) -> None:
    assert crossings(statements) == expected
