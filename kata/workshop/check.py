"""``kata check NAME --style STYLE``: hold a variant or a workspace to any style's contracts.

The style's templates (:mod:`kata.workshop.styles`) are rendered for NAME's package and run
through import-linter in process. A participant refactoring a copy of the transaction script
toward hexagonal sees which hexagonal contracts still break, and why.

import-linter stops the whole run when a contract names a module that does not exist (a
layer the code has not grown yet). So before it runs, each contract is fitted to the code:
missing layers become optional layers, missing source or independent modules are left out,
and the contract is reported BROKEN for what is missing, next to whatever import-linter
finds in the rest. A workspace is also held to standing alone: it imports no built-in variant.

import-linter is a dev dependency: the ``kata`` command imports this module only to check.
"""

from __future__ import annotations

import configparser
import importlib.util
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grimp.exceptions import GrimpException
from importlinter import configuration
from importlinter.application import output, use_cases
from importlinter.application.user_options import UserOptions
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.independence import IndependenceContract
from importlinter.contracts.layers import LayersContract
from importlinter.domain.contract import registry
from rich.console import Console

from kata import terminal, variants
from kata.workshop import styles
from kata.workshop.reasons import REASONS

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_SECTION_PREFIX = "importlinter:contract:"
# Wide enough that import-linter never wraps a line in the middle of a module name.
_REPORT_WIDTH = 400


class CheckError(RuntimeError):
    """The code could not be read (a syntax error in it, for one): nothing was checked."""


@dataclass(frozen=True)
class Verdict:
    """One contract's outcome: kept, or broken with the reasons, one per line."""

    contract: str  # the contract's id ("hexagonal-layers")
    name: str
    kept: bool
    reasons: tuple[str, ...] = ()


@dataclass
class _Contract:
    """One contract's options as import-linter reads them, and what the code lacks of it."""

    options: dict[str, Any]
    missing: list[str] = field(default_factory=list)  # reasons: what the style names but is absent
    runnable: bool = True  # False: too little left of it for import-linter to check

    @property
    def id(self) -> str:
        return str(self.options["id"])


def check(name: str, style: str | None = None) -> list[Verdict]:
    """Every contract of ``style`` (default: the one ``name`` is held to), checked on ``name``."""
    package = variants.package(name)
    chosen = style or variants.style_of(name)
    text = styles.render(chosen, package)
    roots = [package.partition(".")[0]]
    if variants.workspace(name) is not None:
        variants.load_workshop_package()
        text += "\n" + _stands_alone(name, package)
        roots.append("kata")
    contracts = [_fit(contract) for contract in _parse(text)]
    checked = _run_import_linter(roots, [c.options for c in contracts if c.runnable])
    return [_verdict(contract, checked.get(contract.id)) for contract in contracts]


def broken(verdicts: list[Verdict]) -> list[Verdict]:
    return [verdict for verdict in verdicts if not verdict.kept]


def report(verdicts: list[Verdict], width: int | None = None) -> str:
    """The verdicts as import-linter prints them (``name KEPT``/``BROKEN``); under a broken one,
    what broke it in plain words, why the style has the rule, where to read about it and
    which exercise practises it, then import-linter's own detail. Each line wraps at spaces
    to ``width`` (default: the terminal's), its continuation indented."""
    lines: list[str] = []
    for verdict in verdicts:
        said = f"{verdict.name} {'KEPT' if verdict.kept else 'BROKEN'}"
        lines.append(terminal.wrap(said, width))
        if not verdict.kept:
            lines += [_wrapped(line, width) for line in _explained(verdict)]
    kept = len(verdicts) - len(broken(verdicts))
    lines.append(f"\nContracts: {kept} kept, {len(broken(verdicts))} broken.")
    return "\n".join(lines)


def _wrapped(line: str, width: int | None) -> str:
    """An indented line of the report, wrapped under its own indentation plus two."""
    indent = " " * (len(line) - len(line.lstrip()) + 2)
    return terminal.wrap(line, width, indent)


def in_plain_words(reasons: tuple[str, ...]) -> list[str]:
    """What broke a contract, one sentence each: ``a imports b (line 3)``, ``a reaches flask
    through b (line 3 of a)``, ``a.helpers is in no layer``, or what the code lacks."""
    said: list[str] = []
    chain: list[tuple[str, str, str]] = []
    for reason in (*reasons, ""):
        found = _IMPORT_LINE.match(reason)
        if found and chain and not reason.lstrip().startswith("-"):
            chain.append((found["importer"], found["imported"], found["lines"]))
            continue
        if chain:
            said.append(_chain_in_words(chain))
            chain = []
        if found:
            chain = [(found["importer"], found["imported"], found["lines"])]
        elif reason.startswith("missing"):
            said.append(f"the style expects what the code lacks: {reason}")
        elif stray := _STRAY_MODULE.match(reason):
            said.append(f"{stray[1]} is in no layer: place it in one")
    return list(dict.fromkeys(said))


_IMPORT_LINE = re.compile(
    r"^\s*(?:-\s*)?(?P<importer>\S+) -> (?P<imported>\S+) \((?P<lines>l\.[^)]*)\)"
)
_STRAY_MODULE = re.compile(r"^- (\S+)$")


def _chain_in_words(chain: list[tuple[str, str, str]]) -> str:
    importer, first, lines = chain[0]
    numbers = re.findall(r"\d+", lines)  # import-linter writes "l.3, l.7"
    where = f"line{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}"
    if len(chain) == 1:
        return f"{importer} imports {first} ({where})"
    through = ", then ".join(imported for _, imported, _ in chain[:-1])
    return f"{importer} reaches {chain[-1][1]} through {through} ({where} of {importer})"


def _explained(verdict: Verdict) -> list[str]:
    lines = [f"  - {sentence}" for sentence in in_plain_words(verdict.reasons)]
    reason = REASONS.get(verdict.contract)
    if reason is not None:
        lines += [
            f"  why: {reason.why}",
            f"  read: {reason.read}",
            f"  practise: {reason.practise}",
        ]
    lines.append("  import-linter's detail:")
    lines += [f"      {detail}" for detail in verdict.reasons]
    return lines


# --- the contracts, fitted to the code ---------------------------------------------------


def _stands_alone(name: str, package: str) -> str:
    built_in = "".join(f"    {variants.package(other)}\n" for other in variants.names())
    return (
        "[importlinter:contract:workspace-stands-alone]\n"
        f"name = {name} stands alone: a workspace imports no built-in variant\n"
        "type = forbidden\n"
        f"source_modules =\n    {package}\n"
        f"forbidden_modules =\n{built_in}"
    )


def _parse(text: str) -> list[dict[str, Any]]:
    """Contract options as import-linter's ini reader makes them: multi-line values as lists."""
    parser = configparser.ConfigParser()
    parser.read_string(text)
    contracts: list[dict[str, Any]] = []
    for section in parser.sections():
        options: dict[str, Any] = {"id": section.removeprefix(_SECTION_PREFIX)}
        for key, value in parser[section].items():
            options[key] = value.strip().split("\n") if "\n" in value else value
        contracts.append(options)
    return contracts


def _fit(options: dict[str, Any]) -> _Contract:
    contract = _Contract(dict(options))
    kind = options["type"]
    if kind == "layers":
        _fit_layers(contract)
    elif kind == "forbidden":
        _fit_forbidden(contract)
    elif kind == "independence":
        _fit_independence(contract)
    return contract


def _fit_layers(contract: _Contract) -> None:
    """Missing layers become optional ``(layer)``: the rest is still checked."""
    (container,) = contract.options["containers"]
    absent: list[str] = []

    def fitted(layer: str) -> str:
        name = layer.strip()
        if name.startswith("(") or _exists(f"{container}.{name}"):
            return name
        absent.append(name)
        return f"({name})"

    contract.options["layers"] = [
        " | ".join(fitted(layer) for layer in line.split("|"))
        for line in contract.options["layers"]
    ]
    if absent:
        contract.missing.append(f"missing layers of {container}: {', '.join(absent)}")


def _fit_forbidden(contract: _Contract) -> None:
    """Missing sources are reported; a forbidden module that is missing cannot be imported."""
    sources = _present(contract, "source_modules")
    forbidden = [module for module in contract.options["forbidden_modules"] if _exists(module)]
    contract.options["forbidden_modules"] = forbidden
    contract.runnable = bool(sources and forbidden)


def _fit_independence(contract: _Contract) -> None:
    contract.runnable = len(_present(contract, "modules")) >= 2


def _present(contract: _Contract, key: str) -> list[str]:
    """Keep only the modules of ``key`` that exist; record the others as missing."""
    modules: list[str] = contract.options[key]
    present = [module for module in modules if _exists(module)]
    absent = [module for module in modules if module not in present]
    if absent:
        contract.missing.append(f"missing modules: {', '.join(absent)}")
    contract.options[key] = present
    return present


def _exists(module: str) -> bool:
    """True for a module or package of a root package that is on disk, and for anything
    outside the root packages (``flask``: import-linter checks those itself)."""
    top, _, rest = module.partition(".")
    if top not in {"kata", variants.WORKSHOP_PACKAGE}:
        return True
    spec = importlib.util.find_spec(top)
    folders = (spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder).joinpath(*rest.split(".")) if rest else Path(folder)
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            return True
    return False


def _verdict(contract: _Contract, checked: tuple[bool, str] | None) -> Verdict:
    kept_by_linter, linter_reason = checked if checked is not None else (True, "")
    reasons = [*contract.missing, *(line for line in linter_reason.splitlines() if line.strip())]
    return Verdict(
        contract.id,
        str(contract.options["name"]),
        kept=kept_by_linter and not contract.missing,
        reasons=tuple(reasons),
    )


# --- import-linter, in process -----------------------------------------------------------


def _run_import_linter(
    roots: list[str], contracts: list[dict[str, Any]]
) -> dict[str, tuple[bool, str]]:
    """Contract id -> (kept, import-linter's reason if broken), for ``contracts`` on ``roots``."""
    if not contracts:
        return {}
    configuration.configure()
    for contract_class, kind in (
        (LayersContract, "layers"),
        (ForbiddenContract, "forbidden"),
        (IndependenceContract, "independence"),
    ):
        registry.register(contract_class, kind)
    options = UserOptions(
        session_options={"root_packages": roots, "include_external_packages": "True"},
        contracts_options=contracts,
    )
    results: dict[str, tuple[bool, str]] = {}
    with _captured_output() as captured:
        # verbose: no spinner or progress bar (they draw on rich's own console); what it
        # says instead goes to the buffer, which is cleared before each contract's reasons.
        try:
            linted = use_cases.create_report(options, cache_dir=None, verbose=True)
        except GrimpException as unreadable:
            raise CheckError(f"cannot read the code: {unreadable}") from None
        for contract, outcome in linted.get_contracts_and_checks():
            reason = ""
            if not outcome.kept:
                captured.seek(0)
                captured.truncate()
                contract.render_broken_contract(outcome)
                reason = _ANSI_ESCAPE.sub("", captured.getvalue())
            results[_contract_id(contract.name, contracts)] = (outcome.kept, reason)
    return results


def _contract_id(name: str, contracts: list[dict[str, Any]]) -> str:
    return next(str(options["id"]) for options in contracts if options["name"] == name)


@contextmanager
def _captured_output() -> Iterator[io.StringIO]:
    """Send what import-linter prints to a buffer instead of the terminal.

    import-linter prints through one rich Console, a global of its ``output`` module (also
    imported by name into ``use_cases``): both are swapped for a plain, wide one, and put back.
    """
    buffer = io.StringIO()
    plain = Console(file=buffer, width=_REPORT_WIDTH, highlight=False, color_system=None)
    saved = output.console
    output.console = plain
    setattr(use_cases, "console", plain)  # noqa: B010  (not re-exported: mypy would object)
    try:
        yield buffer
    finally:
        output.console = saved
        setattr(use_cases, "console", saved)  # noqa: B010
