"""The import contracts in ``.importlinter`` are kept, and every one of them bites.

A contract that passes proves little on its own: it also passes when it names a module
that does not exist, when its rule is written too loosely, or when the linter never ran.
So besides running the real configuration, these tests

- copy the code to a throw-away root package, point the *same* contracts at the copy (the
  configuration is rewritten from ``.importlinter`` by text substitution, not written by
  hand), plant one forbidden import (or one module outside the layers), and expect that
  contract, and only it, to break, with the planted import named in the report;
- refuse empty layers (buckpal's idea): every layer the layers contract names must exist
  and hold code, so no rule is kept because what it guards is missing.

import-linter runs in process (``python -m importlinter.cli`` does nothing and exits 0),
each run with its own cache directory so that xdist workers never share one.
"""

from __future__ import annotations

import ast
import configparser
import logging
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / ".importlinter"
ROOT = "kata"
VARIANT = "transaction_script"
LAYERS_CONTRACT = "transaction-script-layers"
NO_WEB_CONTRACT = "transaction-script-no-web-below-presentation"
NO_SQL_CONTRACT = "transaction-script-no-sql-in-presentation-or-records"
INDEPENDENCE_CONTRACT = "variants-independent"
DM = "domain_model"
DM_LAYERS_CONTRACT = "domain-model-layers"
DM_NO_WEB_CONTRACT = "domain-model-no-web-below-presentation"
DM_NO_SQL_CONTRACT = "domain-model-no-sql-in-presentation"
AG = "aggregate"
AG_LAYERS_CONTRACT = "aggregate-layers"
AG_NO_FRAMEWORK_CONTRACT = "aggregate-no-framework-inside"
AG_NO_SQL_CONTRACT = "aggregate-no-sql-in-presentation"
HX = "hexagonal"
HX_LAYERS_CONTRACT = "hexagonal-layers"
HX_INSIDE_CONTRACT = "hexagonal-inside-knows-no-outside"
HX_ADAPTERS_CONTRACT = "hexagonal-adapters-independent"
HX_PORTS_CONTRACT = "hexagonal-adapters-use-ports"
ES = "event_sourced"
ES_LAYERS_CONTRACT = "event-sourced-layers"
ES_NO_FRAMEWORK_CONTRACT = "event-sourced-no-framework-inside"
ES_READ_SIDE_CONTRACT = "event-sourced-read-side-loads-no-aggregate"
ES_NO_SQL_CONTRACT = "event-sourced-no-sql-in-presentation"
ES_PRESENTATION_CONTRACT = "event-sourced-presentation-through-commands-and-queries"
MS = "microservices"
MS_LAYERS_CONTRACT = "microservices-layers"
MS_COMPOSITION_CONTRACT = "microservices-composition-through-factories"
MS_ORDERING_LAYERS_CONTRACT = "microservices-ordering-layers"
MS_ORDERING_INSIDE_CONTRACT = "microservices-ordering-inside-knows-no-outside"
MS_ORDERING_ADAPTERS_CONTRACT = "microservices-ordering-adapters-independent"
MS_ORDERING_PORTS_CONTRACT = "microservices-ordering-outbound-adapters-implement-ports"
MS_INVENTORY_LAYERS_CONTRACT = "microservices-inventory-layers"
MS_INVENTORY_RULES_CONTRACT = "microservices-inventory-rules-know-no-outside"

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --- running import-linter -------------------------------------------------------------


@pytest.fixture(autouse=True)
def _isolated_linter(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Undo what an in-process run of import-linter does to the test process.

    ``lint_imports`` inserts the working directory into ``sys.path`` and reconfigures
    logging with ``dictConfig``, which disables every logger that already exists (those of
    flask, waitress and the variants included). Both are put back after each test; a wide
    console keeps the report from being wrapped in the middle of a module name.
    """
    monkeypatch.syspath_prepend(str(REPO))  # also restores sys.path afterwards
    monkeypatch.setenv("COLUMNS", "400")
    manager = logging.Logger.manager
    before = {
        name: (logger.disabled, logger.level, list(logger.handlers), logger.propagate)
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    root_handlers, root_level = list(logging.root.handlers), logging.root.level
    yield
    for name, logger in manager.loggerDict.items():
        if not isinstance(logger, logging.Logger):
            continue
        disabled, level, handlers, propagate = before.get(name, (False, logging.NOTSET, [], True))
        logger.disabled, logger.level, logger.propagate = disabled, level, propagate
        logger.handlers[:] = handlers
    logging.root.handlers[:] = root_handlers
    logging.root.setLevel(root_level)


@dataclass(frozen=True)
class LintResult:
    exit_code: int
    report: str  # the printed report, colour codes removed, white space collapsed to one space


def _lint(config: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> LintResult:
    capsys.readouterr()  # drop whatever was printed before
    exit_code = lint_imports(
        config_filenames=(str(config),), no_logo=True, cache_dir=str(cache_dir)
    )
    printed = capsys.readouterr()
    text = _ANSI_ESCAPE.sub("", printed.out + printed.err)
    return LintResult(exit_code, " ".join(text.split()))


def _contract_names(config_text: str) -> dict[str, str]:
    """Contract id -> contract name, as ``.importlinter`` declares them."""
    parser = configparser.ConfigParser()
    parser.read_string(config_text)
    prefix = "importlinter:contract:"
    return {
        section.removeprefix(prefix): parser[section]["name"]
        for section in parser.sections()
        if section.startswith(prefix)
    }


def test_the_import_contracts_are_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = _lint(CONFIG, tmp_path / "cache", capsys)

    assert result.exit_code == 0, result.report
    for name in _contract_names(CONFIG.read_text(encoding="utf-8")).values():
        assert f"{name} KEPT" in result.report


# --- a probe: the code and the contracts, moved to a throw-away root package -----------


@dataclass(frozen=True)
class Probe:
    """A copy of the ``kata`` package under another root name, with the contracts moved too."""

    root: str  # the root package name that stands in for "kata"
    package: Path
    config: Path
    cache_dir: Path

    def module(self, dotted_path: str) -> str:
        """The probe's name for ``kata.<dotted_path>``."""
        return f"{self.root}.{dotted_path}"


def _retarget_code(source: str, root: str) -> str:
    """Rewrite absolute imports of ``kata`` to ``root`` (relative imports need nothing)."""
    return re.sub(r"(?m)^(\s*(?:from|import)\s+)kata(?=[.\s])", rf"\g<1>{root}", source)


def _retarget_config(config_text: str, root: str) -> str:
    """Point every module name in an import-linter configuration at ``root`` instead of kata."""
    return re.sub(r"(?m)(?<![\w.])kata(?=\.|[ \t]*$)", root, config_text)


@pytest.fixture
def probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Probe:
    root = f"kata_probe_{uuid.uuid4().hex[:12]}"
    source_root = tmp_path / "src"
    package = source_root / root
    shutil.copytree(REPO / ROOT, package, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]"))
    for module in package.rglob("*.py"):
        module.write_text(_retarget_code(module.read_text(encoding="utf-8"), root), "utf-8")
    config = tmp_path / "probe.importlinter"
    config.write_text(_retarget_config(CONFIG.read_text(encoding="utf-8"), root), "utf-8")
    monkeypatch.syspath_prepend(str(source_root))
    return Probe(root, package, config, tmp_path / "cache")


def _imports(graph: grimp.ImportGraph, root: str) -> set[tuple[str, str, int]]:
    """Every direct import in ``graph`` as (importer, imported, line), ``root`` renamed to kata."""

    def renamed(module: str) -> str:
        return re.sub(rf"^{re.escape(root)}(?=\.|$)", ROOT, module)

    return {
        (renamed(detail["importer"]), renamed(detail["imported"]), detail["line_number"])
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        for detail in graph.get_import_details(importer=importer, imported=imported)
    }


def test_the_probe_copy_has_exactly_the_imports_of_the_code(probe: Probe) -> None:
    original = grimp.build_graph(ROOT, include_external_packages=True, cache_dir=None)
    copy = grimp.build_graph(probe.root, include_external_packages=True, cache_dir=None)

    assert _imports(copy, probe.root) == _imports(original, ROOT)


def test_the_probe_configuration_holds_the_same_contracts_moved_to_the_copy(
    probe: Probe,
) -> None:
    real_text = CONFIG.read_text(encoding="utf-8")
    probe_text = probe.config.read_text(encoding="utf-8")

    assert re.search(r"(?<![\w.])kata\.", probe_text) is None
    assert probe_text.replace(probe.root, ROOT) == real_text
    assert _contract_names(probe_text) == _contract_names(real_text)
    parser = configparser.ConfigParser()
    parser.read_string(probe_text)
    assert parser["importlinter"]["root_packages"].split() == [probe.root]


def test_the_untouched_probe_keeps_every_contract(
    probe: Probe, capsys: pytest.CaptureFixture[str]
) -> None:
    result = _lint(probe.config, probe.cache_dir, capsys)

    assert result.exit_code == 0, result.report


# --- every contract bites ---------------------------------------------------------------


def _has_code(module: Path) -> bool:
    """True if the module does more than hold a docstring and ``from __future__`` imports."""
    body = ast.parse(module.read_text(encoding="utf-8"), filename=str(module)).body
    return any(
        not (
            (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
            or (isinstance(statement, ast.ImportFrom) and statement.module == "__future__")
            or isinstance(statement, ast.Pass)
        )
        for statement in body
    )


def _module_files(path: Path) -> list[Path]:
    """The module ``path`` names: ``path.py``, or every module of the package ``path/``."""
    if path.with_suffix(".py").is_file():
        return [path.with_suffix(".py")]
    if (path / "__init__.py").is_file():
        return sorted(path.rglob("*.py"))
    return []


def _dotted_name(package_root: Path, root: str, module: Path) -> str:
    parts = module.relative_to(package_root).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((root, *parts))


@dataclass(frozen=True)
class Plant:
    """One forbidden import planted in the probe, and the contract it must break."""

    contract: str  # id of the contract in .importlinter
    into: str  # where the import goes, below the root package: "transaction_script.services"
    imports: str  # what it imports: "flask", or "{root}.transaction_script.app"

    def __str__(self) -> str:
        return f"{self.into} imports {self.imports.replace('{root}.', '')}"


# Each plant breaks exactly one contract, and keeps doing so as the variants grow: no plant
# makes a layer that must not reach the web stack reach it through another layer. (So
# services importing presentation, which imports flask, is not here: it breaks two.)
PLANTS = [
    Plant(LAYERS_CONTRACT, f"{VARIANT}.presentation", f"{{root}}.{VARIANT}.app"),
    Plant(LAYERS_CONTRACT, f"{VARIANT}.data", f"{{root}}.{VARIANT}.services"),
    Plant(LAYERS_CONTRACT, f"{VARIANT}.records", f"{{root}}.{VARIANT}.data"),
    Plant(NO_WEB_CONTRACT, f"{VARIANT}.services", "flask"),
    Plant(NO_WEB_CONTRACT, f"{VARIANT}.data", "marshmallow"),
    Plant(NO_WEB_CONTRACT, f"{VARIANT}.records", "werkzeug"),
    Plant(NO_SQL_CONTRACT, f"{VARIANT}.presentation", "sqlalchemy"),
    Plant(NO_SQL_CONTRACT, f"{VARIANT}.records", "sqlalchemy"),
    Plant(DM_LAYERS_CONTRACT, f"{DM}.domain", f"{{root}}.{DM}.services"),
    Plant(DM_LAYERS_CONTRACT, f"{DM}.persistence", f"{{root}}.{DM}.services"),
    Plant(DM_LAYERS_CONTRACT, f"{DM}.presentation", f"{{root}}.{DM}.app"),
    Plant(DM_NO_WEB_CONTRACT, f"{DM}.domain", "flask"),
    Plant(DM_NO_WEB_CONTRACT, f"{DM}.services", "marshmallow"),
    Plant(DM_NO_WEB_CONTRACT, f"{DM}.persistence", "werkzeug"),
    Plant(DM_NO_SQL_CONTRACT, f"{DM}.presentation", "sqlalchemy"),
    Plant(AG_LAYERS_CONTRACT, f"{AG}.domain", f"{{root}}.{AG}.application"),
    Plant(AG_LAYERS_CONTRACT, f"{AG}.infrastructure", f"{{root}}.{AG}.presentation"),
    Plant(AG_NO_FRAMEWORK_CONTRACT, f"{AG}.domain", "werkzeug"),
    Plant(AG_NO_FRAMEWORK_CONTRACT, f"{AG}.application", "flask"),
    Plant(AG_NO_SQL_CONTRACT, f"{AG}.presentation", "sqlalchemy"),
    Plant(HX_LAYERS_CONTRACT, f"{HX}.domain", f"{{root}}.{HX}.application"),
    Plant(HX_INSIDE_CONTRACT, f"{HX}.domain", "flask"),
    Plant(HX_INSIDE_CONTRACT, f"{HX}.application", "sqlalchemy"),
    Plant(HX_ADAPTERS_CONTRACT, f"{HX}.adapters.inbound", f"{{root}}.{HX}.adapters.outbound"),
    Plant(HX_PORTS_CONTRACT, f"{HX}.adapters.inbound", f"{{root}}.{HX}.application.services"),
    # The store and the write side never import the read side or the presentation. (The
    # write side importing the store is no plant here: every store module imports
    # sqlalchemy, so it breaks the no-framework contract too.)
    Plant(ES_LAYERS_CONTRACT, f"{ES}.presentation", f"{{root}}.{ES}.app"),
    Plant(ES_LAYERS_CONTRACT, f"{ES}.projections", f"{{root}}.{ES}.presentation.views"),
    Plant(ES_LAYERS_CONTRACT, f"{ES}.eventstore", f"{{root}}.{ES}.projections.views"),
    Plant(ES_LAYERS_CONTRACT, f"{ES}.eventstore", f"{{root}}.{ES}.presentation.views"),
    Plant(ES_LAYERS_CONTRACT, f"{ES}.domain", f"{{root}}.{ES}.application.ports"),
    Plant(ES_NO_FRAMEWORK_CONTRACT, f"{ES}.domain", "werkzeug"),
    Plant(ES_NO_FRAMEWORK_CONTRACT, f"{ES}.application", "sqlalchemy"),
    Plant(ES_NO_FRAMEWORK_CONTRACT, f"{ES}.application", "marshmallow"),
    Plant(ES_READ_SIDE_CONTRACT, f"{ES}.projections", f"{{root}}.{ES}.domain.order"),
    Plant(ES_READ_SIDE_CONTRACT, f"{ES}.projections", f"{{root}}.{ES}.domain.stream"),
    Plant(ES_READ_SIDE_CONTRACT, f"{ES}.projections", f"{{root}}.{ES}.application.commands"),
    Plant(ES_READ_SIDE_CONTRACT, f"{ES}.projections", f"{{root}}.{ES}.application.streams"),
    # Through the store's codec, which the read side imports: indirect reach counts too.
    Plant(ES_READ_SIDE_CONTRACT, f"{ES}.eventstore", f"{{root}}.{ES}.domain.product"),
    Plant(ES_NO_SQL_CONTRACT, f"{ES}.presentation", "sqlalchemy"),
    Plant(ES_PRESENTATION_CONTRACT, f"{ES}.presentation", f"{{root}}.{ES}.eventstore.store"),
    Plant(ES_PRESENTATION_CONTRACT, f"{ES}.presentation", f"{{root}}.{ES}.application.streams"),
    Plant(ES_PRESENTATION_CONTRACT, f"{ES}.presentation", f"{{root}}.{ES}.domain.order"),
    Plant(ES_PRESENTATION_CONTRACT, f"{ES}.presentation", f"{{root}}.{ES}.projections.projector"),
    Plant(ES_PRESENTATION_CONTRACT, f"{ES}.presentation", f"{{root}}.{ES}.projections.tables"),
    # The two services never import each other, either way, and the chassis imports
    # neither. (Each plant imports pure code from pure code, so no framework rule breaks.)
    Plant(MS_LAYERS_CONTRACT, f"{MS}.ordering.domain", f"{{root}}.{MS}.inventory.stock"),
    Plant(MS_LAYERS_CONTRACT, f"{MS}.inventory.stock", f"{{root}}.{MS}.ordering.domain.money"),
    Plant(MS_LAYERS_CONTRACT, f"{MS}.chassis", f"{{root}}.{MS}.inventory.tables"),
    Plant(MS_LAYERS_CONTRACT, f"{MS}.chassis", f"{{root}}.{MS}.ordering.domain.money"),
    Plant(MS_LAYERS_CONTRACT, f"{MS}.gateway", f"{{root}}.{MS}.app"),
    Plant(MS_COMPOSITION_CONTRACT, f"{MS}.app", f"{{root}}.{MS}.inventory.store"),
    Plant(
        MS_COMPOSITION_CONTRACT, f"{MS}.gateway", f"{{root}}.{MS}.ordering.application.use_cases"
    ),
    Plant(MS_COMPOSITION_CONTRACT, f"{MS}.launch", f"{{root}}.{MS}.ordering.adapters.sql.tables"),
    # Only the domain importing the ports breaks the ordering layers alone: an adapter
    # importing service.py also reaches the other adapters (service imports them all), the
    # application importing an adapter breaks the inside's contract, and the domain importing
    # any other application module is reached by the outbound adapters through the domain.
    Plant(
        MS_ORDERING_LAYERS_CONTRACT,
        f"{MS}.ordering.domain",
        f"{{root}}.{MS}.ordering.application.ports",
    ),
    Plant(MS_ORDERING_INSIDE_CONTRACT, f"{MS}.ordering.domain", "httpx"),
    Plant(MS_ORDERING_INSIDE_CONTRACT, f"{MS}.ordering.domain", f"{{root}}.{MS}.chassis.responses"),
    Plant(MS_ORDERING_INSIDE_CONTRACT, f"{MS}.ordering.application", "pybreaker"),
    Plant(MS_ORDERING_INSIDE_CONTRACT, f"{MS}.ordering.application", "tenacity"),
    Plant(MS_ORDERING_INSIDE_CONTRACT, f"{MS}.ordering.application", "sqlalchemy"),
    Plant(
        MS_ORDERING_ADAPTERS_CONTRACT,
        f"{MS}.ordering.adapters.http",
        f"{{root}}.{MS}.ordering.adapters.sql.tables",
    ),
    Plant(
        MS_ORDERING_ADAPTERS_CONTRACT,
        f"{MS}.ordering.adapters.sql",
        f"{{root}}.{MS}.ordering.adapters.inventory_http",
    ),
    Plant(
        MS_ORDERING_PORTS_CONTRACT,
        f"{MS}.ordering.adapters.sql",
        f"{{root}}.{MS}.ordering.application.use_cases",
    ),
    Plant(
        MS_ORDERING_PORTS_CONTRACT,
        f"{MS}.ordering.adapters.inventory_http",
        f"{{root}}.{MS}.ordering.application.sagas",
    ),
    Plant(MS_INVENTORY_LAYERS_CONTRACT, f"{MS}.inventory.store", f"{{root}}.{MS}.inventory.api"),
    Plant(MS_INVENTORY_LAYERS_CONTRACT, f"{MS}.inventory.tables", f"{{root}}.{MS}.inventory.stock"),
    Plant(MS_INVENTORY_RULES_CONTRACT, f"{MS}.inventory.stock", "sqlalchemy"),
    Plant(MS_INVENTORY_RULES_CONTRACT, f"{MS}.inventory.stock", "flask"),
    Plant(MS_INVENTORY_RULES_CONTRACT, f"{MS}.inventory.stock", f"{{root}}.{MS}.chassis.database"),
    Plant(INDEPENDENCE_CONTRACT, f"{VARIANT}.presentation", "{root}.domain_model"),
    Plant(INDEPENDENCE_CONTRACT, f"{DM}.domain", f"{{root}}.{VARIANT}.records"),
    Plant(INDEPENDENCE_CONTRACT, "hexagonal", "{root}.aggregate"),
    Plant(INDEPENDENCE_CONTRACT, ES, "{root}.aggregate"),
    Plant(INDEPENDENCE_CONTRACT, MS, "{root}.event_sourced"),
]


# (container below kata, its layers contract) for every exhaustive layers contract: one per
# variant, and microservices' two services have one each besides.
LAYERED_VARIANTS = [
    (VARIANT, LAYERS_CONTRACT),
    (DM, DM_LAYERS_CONTRACT),
    (AG, AG_LAYERS_CONTRACT),
    (HX, HX_LAYERS_CONTRACT),
    (ES, ES_LAYERS_CONTRACT),
    (MS, MS_LAYERS_CONTRACT),
    (f"{MS}.ordering", MS_ORDERING_LAYERS_CONTRACT),
    (f"{MS}.inventory", MS_INVENTORY_LAYERS_CONTRACT),
]


def _plant(probe: Probe, plant: Plant) -> tuple[str, str, int]:
    """Append the planted import to a module of ``plant.into``: (importer, imported, line).

    The import goes into the first module (by path) that holds code, so it sits among real
    imports; a package with no code yet (the empty variants) gets it in ``__init__.py``.
    """
    files = _module_files(probe.package.joinpath(*plant.into.split(".")))
    assert files, f"nothing to plant into: {plant.into} does not exist"
    target = next((module for module in files if _has_code(module)), files[0])
    imported = plant.imports.format(root=probe.root)
    lines = target.read_text(encoding="utf-8").splitlines()
    lines.append(f"import {imported}  # planted by tests/architecture/test_contracts.py")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return _dotted_name(probe.package, probe.root, target), imported, len(lines)


def _assert_only_broken(contract: str, result: LintResult, probe: Probe) -> None:
    """The run failed, the report calls ``contract`` broken and every other contract kept."""
    assert result.exit_code == 1, result.report
    for contract_id, name in _contract_names(probe.config.read_text(encoding="utf-8")).items():
        verdict = "BROKEN" if contract_id == contract else "KEPT"
        assert f"{name} {verdict}" in result.report, result.report


@pytest.mark.parametrize("plant", PLANTS, ids=str)
def test_a_forbidden_import_breaks_its_contract_and_no_other(
    probe: Probe, plant: Plant, capsys: pytest.CaptureFixture[str]
) -> None:
    importer, imported, line = _plant(probe, plant)

    result = _lint(probe.config, probe.cache_dir, capsys)

    _assert_only_broken(plant.contract, result, probe)
    assert f"{importer} -> {imported} (l.{line})" in result.report, result.report


@pytest.mark.parametrize(
    ("service", "other"),
    [("ordering.domain", "inventory.stock"), ("inventory.stock", "ordering.domain.money")],
)
def test_a_service_that_reaches_the_other_through_a_module_outside_the_variant_breaks_the_layers(
    probe: Probe, service: str, other: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A relay outside kata.microservices, importing nothing else: only the chain through it
    # joins the two services, so only an indirect check can see it.
    relay = probe.package / "relay.py"
    relay.write_text(f'"""A go-between."""\n\nimport {probe.module(MS)}.{other}\n', "utf-8")
    importer, _, line = _plant(probe, Plant(MS_LAYERS_CONTRACT, f"{MS}.{service}", "{root}.relay"))

    result = _lint(probe.config, probe.cache_dir, capsys)

    _assert_only_broken(MS_LAYERS_CONTRACT, result, probe)
    chain = (
        f"{importer} -> {probe.module('relay')} (l.{line}) "
        f"{probe.module('relay')} -> {probe.module(MS)}.{other} (l.3)"
    )
    assert chain in result.report, result.report


@pytest.mark.parametrize(("variant", "contract"), LAYERED_VARIANTS)
def test_a_module_outside_the_layers_breaks_the_layers_contract_and_no_other(
    probe: Probe, variant: str, contract: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = probe.package.joinpath(*variant.split("."), "helpers.py")
    stray.write_text('"""Belongs to no layer."""\n\n\ndef helper() -> None:\n    pass\n', "utf-8")

    result = _lint(probe.config, probe.cache_dir, capsys)

    _assert_only_broken(contract, result, probe)
    assert "The following modules are not listed as layers:" in result.report
    assert f"- {probe.module(variant)}.helpers" in result.report, result.report


# --- no contract is kept by a layer that is missing or empty ----------------------------


def _layers_of(config_text: str, contract_id: str) -> tuple[list[str], list[str]]:
    """(containers, layer names) of a layers contract; optional "(x)" and "a | b" unpacked."""
    parser = configparser.ConfigParser()
    parser.read_string(config_text)
    section = parser[f"importlinter:contract:{contract_id}"]
    assert section["type"] == "layers"
    containers = section.get("containers", "").split()
    layers = [
        name.strip().strip("()")
        for line in section["layers"].splitlines()
        for name in re.split(r"[|:]", line)
        if name.strip()
    ]
    return containers, layers


@pytest.mark.parametrize(
    ("variant", "contract", "expected"),
    [
        (VARIANT, LAYERS_CONTRACT, ["app", "presentation", "services", "data", "records"]),
        (DM, DM_LAYERS_CONTRACT, ["app", "presentation", "services", "persistence", "domain"]),
        (
            AG,
            AG_LAYERS_CONTRACT,
            ["app", "presentation", "infrastructure", "application", "domain"],
        ),
        (HX, HX_LAYERS_CONTRACT, ["bootstrap", "adapters", "application", "domain"]),
        (
            ES,
            ES_LAYERS_CONTRACT,
            [
                "app",
                "history",
                "presentation",
                "projections",
                "eventstore",
                "application",
                "domain",
            ],
        ),
        (MS, MS_LAYERS_CONTRACT, ["launch", "app", "gateway", "ordering", "inventory", "chassis"]),
        (
            f"{MS}.ordering",
            MS_ORDERING_LAYERS_CONTRACT,
            ["service", "adapters", "application", "domain"],
        ),
        (
            f"{MS}.inventory",
            MS_INVENTORY_LAYERS_CONTRACT,
            ["service", "api", "store", "stock", "tables"],
        ),
    ],
)
def test_every_layer_of_a_variant_exists_and_holds_code(
    variant: str, contract: str, expected: list[str]
) -> None:
    containers, layers = _layers_of(CONFIG.read_text(encoding="utf-8"), contract)

    assert containers == [f"{ROOT}.{variant}"]
    assert layers == expected
    folder = REPO.joinpath(ROOT, *variant.split("."))
    without_code = [
        layer
        for layer in layers
        if not any(_has_code(module) for module in _module_files(folder / layer))
    ]
    assert without_code == [], f"layers missing or without code in {folder}: {without_code}"


def test_every_plant_targets_a_contract_of_the_configuration() -> None:
    contracts = _contract_names(CONFIG.read_text(encoding="utf-8"))

    assert {plant.contract for plant in PLANTS} == set(contracts)
