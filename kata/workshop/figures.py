"""The figures of the facilitator guide, written from the code's own data: never typed.

The guide (``docs/workshop/*.md``) quotes what the code measures: change costs, lines,
files, paths, statements per request, rule places, tests and cases. Each figure sits
between two markers, a table on lines of its own or a number inside a sentence:

    <!-- figures: NAME ARG ... -->...<!-- figures: end -->

and is rewritten here from ``kata compare``'s comparison (:func:`kata.compare.collect.collect`,
one round, no test run), the reference solutions' change costs
(:func:`kata.workshop.verify.change_cost`), exercise 01's reference answers, the tests as
pytest collects them (the exercises', the shared suite's), constants of the code, and the
import contracts (:func:`kata.workshop.check.check`).
Times that vary from run to run are never measured here: the contention run recorded in
``benchmarks/results/`` is quoted instead. :data:`FIGURES` lists every NAME.

    python -m kata.workshop.figures            rewrite every block of the guide
    python -m kata.workshop.figures --check    exit 1 if a block is stale

``tests/compare/test_workshop_figures.py`` fails when a block is stale.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kata import variants
from kata.compare.collect import Comparison, VariantFigures, collect
from kata.workshop import check, exercises, verify
from kata.workshop.commands import sqlite_only

GUIDE = variants.REPO_ROOT / "docs" / "workshop"
BLOCK = re.compile(
    r"<!-- figures: (?P<name>[^>]*?) -->(?P<body>.*?)<!-- figures: end -->", re.DOTALL
)
ANSWERED = "01"  # the exercise whose reference solutions are answers (TOML), not code


class FiguresError(ValueError):
    """A block names no figure, or a figure the data does not hold."""


@dataclass(frozen=True)
class Sources:
    """Everything a figure is written from."""

    comparison: Comparison
    tests: dict[str, int]  # exercise number, acceptance[/file] -> tests for one variant
    answers: dict[str, dict[str, Any]]  # variant -> exercise 01's reference answers

    def variant(self, name: str) -> VariantFigures:
        for figures in self.comparison.variants:
            if figures.name == name:
                return figures
        raise FiguresError(f"no variant {name} in the comparison")


def gather(comparison: Comparison) -> Sources:
    return Sources(comparison, collected_tests(), reference_answers())


def collected_tests() -> dict[str, int]:
    """How many tests pytest collects on SQLite for one variant (the most of any variant):
    per exercise number, for the shared suite (``acceptance``) and for each of its files
    (``acceptance/test_concurrency``)."""
    numbers = [e.number for e in exercises.all_exercises() if not e.is_discussion]
    chosen = [option for name in variants.names() for option in ("--variant", name)]
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "tests/acceptance"]
    command += [*chosen, *(option for number in numbers for option in ("--exercise", number))]
    listed = subprocess.run(
        command,
        cwd=variants.REPO_ROOT,
        env=sqlite_only(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    counted: Counter[tuple[str, str]] = Counter()
    for test_id in listed.splitlines():
        if variant := re.search(r"\[([a-z_]+)-", test_id):
            for key in _keys(test_id.split("::", 1)[0]):
                counted[key, variant[1]] += 1
    return {key: max(n for (k, _), n in counted.items() if k == key) for key, _ in counted}


def _keys(path: str) -> list[str]:
    """What a test file counts towards: its exercise, or the shared suite and the file."""
    if exercise := re.match(r"exercises/(\d{2})-", path):
        return [exercise[1]]
    if path.startswith("tests/acceptance/"):
        return ["acceptance", f"acceptance/{Path(path).stem}"]
    return []


def reference_answers() -> dict[str, dict[str, Any]]:
    """Variant -> the answers file exercise 01's reference solution adds, as read."""
    patches = exercises.find(ANSWERED).solutions()
    return {
        name: tomllib.loads(_added_text(patch.read_text("utf-8")))
        for name, patch in patches.items()
    }


def _added_text(patch: str) -> str:
    """The lines a patch adds (it adds one file)."""
    lines = patch.splitlines()
    return "\n".join(
        line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")
    )


# --- the figures -----------------------------------------------------------------------


def _use_case(argument: str) -> str:
    return argument.replace("-", " ")  # "get-order": a block's arguments have no spaces


def path_functions(s: Sources, variant: str, use_case: str) -> str:
    """Functions of the variant's own on the recorded path of a use case (report, section 1)."""
    return str(len(s.variant(variant).paths[_use_case(use_case)]))


def path_files(s: Sources, variant: str, use_case: str) -> str:
    """Files those functions are in."""
    return str(len({step.path for step in s.variant(variant).paths[_use_case(use_case)]}))


def statements(s: Sources, variant: str, use_case: str) -> str:
    """SQL statements of a use case on a one-line order (report, section 3), and on a
    20-line one where that costs more."""
    one, many = s.variant(variant).costs[_use_case(use_case)]
    if many.statements == one.statements:
        return str(one.statements)
    return f"{one.statements} ({many.lines} lines: {many.statements})"


def calls(s: Sources, variant: str, use_case: str) -> str:
    """HTTP calls between services that a use case makes."""
    return str(s.variant(variant).costs[_use_case(use_case)][0].calls)


def rule_places(s: Sources, variant: str, rule: str) -> str:
    """Places marked ``# rule: ID`` (report, section 2)."""
    return str(len(s.variant(variant).rules[rule]))


def rule_files(s: Sources, variant: str, rule: str) -> str:
    """Files those places are in."""
    return str(len({place.rsplit(":", 1)[0] for place in s.variant(variant).rules[rule]}))


def size(s: Sources, variant: str, measure: str, *layers: str) -> str:
    """Files, lines or functions of a variant, or of some of its layers (report, section 4)."""
    chosen = [
        layer for layer in s.variant(variant).shape.layers if not layers or layer.name in layers
    ]
    if len(chosen) != (len(layers) or len(chosen)):
        raise FiguresError(f"{variant} has no layer among {layers}")
    if measure not in ("files", "lines", "functions"):
        raise FiguresError(f"no size {measure!r}: files, lines or functions")
    return str(sum(getattr(layer, measure) for layer in chosen))


def complexity(s: Sources, variant: str, which: str) -> str:
    """radon's cyclomatic complexity per function: ``mean`` or ``max``."""
    shape = s.variant(variant).shape
    if which == "mean":
        return f"{shape.mean_complexity:.2f}"
    if which == "max":
        return str(shape.max_complexity)
    raise FiguresError(f"no complexity {which!r}: mean or max")


def contracts(s: Sources, variant: str) -> str:
    """Import contracts of the variant's style (all kept, or the build fails)."""
    return str(len(s.variant(variant).contracts))


def change(s: Sources, variant: str, exercise: str) -> str:
    """What an exercise's reference solution touches: files, lines added and removed."""
    return str(_costs(variant, exercise)[0])


def change_files(s: Sources, variant: str, exercise: str) -> str:
    return str(len(_costs(variant, exercise)[0].files))


def own_files(s: Sources, variant: str, exercise: str) -> str:
    """Files of a reference solution left when the part every style shares is taken off."""
    return str(len(_costs(variant, exercise)[2].files))


def shared(s: Sources, exercise: str) -> str:
    """The part of an exercise's reference solutions outside the styles' own folders (the
    contract, the suite's expectations, the command line): the same in every solution that
    changes anything, or an error."""
    parts = _shared_parts(exercise)
    if len(parts) != 1:
        raise FiguresError(f"exercise {exercise}'s part outside the styles differs: {parts}")
    return parts.pop()


def _shared_parts(exercise: str) -> set[str]:
    changing = [name for name in _solved(exercise) if _costs(name, exercise)[0].files]
    return {str(_costs(name, exercise)[1]) for name in changing}


def _solved(exercise: str) -> list[str]:
    return list(exercises.find(exercise).solutions())


def _costs(variant: str, exercise: str) -> tuple[verify.ChangeCost, ...]:
    """(the whole patch, its part every style shares, the rest) of a reference solution."""
    patch = exercises.find(exercise).solutions().get(variant)
    if patch is None:
        raise FiguresError(f"exercise {exercise} has no reference solution for {variant}")
    text = patch.read_text("utf-8")
    files = re.split(r"(?m)^(?=diff --git )", text)
    common = "".join(part for part in files if _outside(part, variant))
    own = "".join(part for part in files if part and not _outside(part, variant))
    return verify.change_cost(text), verify.change_cost(common), verify.change_cost(own)


def _outside(part: str, variant: str) -> bool:
    """Whether one file's diff changes a file outside the variant's code and own tests."""
    if not part.startswith("diff --git "):
        return False
    changed = part.split(" b/", 1)[1]
    return not changed.startswith((f"kata/{variant}/", f"tests/{variant}/"))


def answered_files(s: Sources, variant: str, question: str) -> str:
    """How many files exercise 01's reference answer names for ``path`` or ``refund``."""
    return str(len(s.answers[variant][question]["files"]))


def tests(s: Sources, exercise: str) -> str:
    """Tests an exercise runs against one variant (``pytest --exercise NN --variant V``)."""
    return str(s.tests[exercises.number_of(exercise)])


def cases(s: Sources, *file: str) -> str:
    """Cases of the shared suite for one variant, or of one of its files (``test_concurrency``)."""
    return str(s.tests["/".join(("acceptance", *file))])


def constant(s: Sources, path: str, name: str) -> str:
    """The value a module gives a constant at its top level (``THREADS = 16``)."""
    assigned = _assigned((variants.REPO_ROOT / path).read_text("utf-8"), path, (name,))
    return str(ast.literal_eval(assigned[name].value))


def _assigned(source: str, path: str, names: Sequence[str]) -> dict[str, ast.Assign]:
    """The top-level assignments of ``names`` in a module's ``source``."""
    found = {
        target.id: node
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id in names
    }
    if len(found) != len(names):
        raise FiguresError(f"{path} does not assign all of {names} at its top level")
    return found


def copy_contracts(s: Sources, origin: str, style: str) -> str:
    """What ``kata check`` says of a fresh workspace copied from ``origin`` and held to
    ``style``: the style's contracts, plus the one every workspace keeps (it stands alone)."""
    verdicts = check.check(origin, style)
    broken = len(check.broken(verdicts))
    return f"{len(verdicts) + 1 - broken} kept, {broken} broken"


def copy_broken(s: Sources, origin: str, style: str) -> str:
    """The same, as ``N of M`` contracts broken."""
    verdicts = check.check(origin, style)
    return f"{len(check.broken(verdicts))} of {len(verdicts) + 1}"


def contention(s: Sources, variant: str) -> str:
    """Placements per second under contention as a ratio to transaction_script's, from the
    last recorded run (``benchmarks/results/``): a measurement quoted, never made here."""
    recorded = s.comparison.contention
    if recorded is None or variant not in recorded.rows:
        raise FiguresError(f"no recorded contention run for {variant}")
    return f"{recorded.rows[variant]['vs_transaction_script']:.2f}"


def exercise_list_ends(s: Sources) -> str:
    """The first and last lines ``kata exercise list`` prints."""
    found = exercises.all_exercises()
    first, last = found[0], found[-1]
    return f"`{first.number}  {first.title}` to `{last.number}  {last.title}`"


def quote(s: Sources, path: str, *names: str) -> str:
    """Top-level assignments of a module, with the comments just above them, as written."""
    source = (variants.REPO_ROOT / path).read_text("utf-8")
    lines = source.splitlines()
    quoted = []
    for node in _assigned(source, path, names).values():
        first = node.lineno - 1
        while first > 0 and lines[first - 1].startswith("#"):
            first -= 1
        quoted.append("\n".join(lines[first : node.end_lineno]))
    return f"\n`{path}`:\n\n```python\n" + "\n".join(quoted) + "\n```\n"


# --- tables ----------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n" + "\n".join(lines) + "\n"


def change_costs(s: Sources) -> str:
    """What each exercise's reference solution touches, per variant (report, section 6)."""
    names = s.comparison.names
    rows = [
        [exercise, *(str(s.variant(name).changes.get(exercise, "-")) for name in names)]
        for exercise in s.comparison.exercises
    ]
    return _table(["exercise", *names], rows)


def style_part(s: Sources) -> str:
    """Per exercise: the part outside the styles' folders, and the files each style adds."""
    names = s.comparison.names
    rows = []
    for exercise in exercises.all_exercises():
        solved = exercise.solutions()
        if exercise.number == ANSWERED or not solved:
            continue
        parts = _shared_parts(exercise.number)
        common = parts.pop() if len(parts) == 1 else "differs by style"
        cells = [own_files(s, name, exercise.number) if name in solved else "-" for name in names]
        rows.append([f"{exercise.number} {exercise.title}", common, *cells])
    return _table(["exercise", "outside the styles' folders", *names], rows)


def solutions(s: Sources, exercise: str) -> str:
    """One exercise's reference solutions: all they touch, and what is the style's own."""
    rows = [
        [f"`{name}`", change(s, name, exercise), own_files(s, name, exercise)]
        for name in _solved(exercise)
    ]
    return _table(["variant", "files, lines added and removed", "files of its own"], rows)


def answers(s: Sources) -> str:
    """Exercise 01's reference answers side by side."""
    names = [name for name in s.comparison.names if name in s.answers]
    path_row = ["files the request runs through"]
    refund_row = ['files to change for "no refund after 30 days"']
    transaction_row = ["the transaction answered: begins / ends"]
    for name in names:
        answer = s.answers[name]
        path_row.append(_by_service(s, name, answer["path"]["files"]))
        refund_row.append(_by_service(s, name, answer["refund"]["files"]))
        transaction = answer["transaction"]
        transaction_row.append(f"`{transaction['begins']}` / `{transaction['ends']}`")
    return _table(["", *names], [path_row, refund_row, transaction_row])


def _by_service(s: Sources, variant: str, files: list[str]) -> str:
    """``22`` for one service; ``22: ordering 15, inventory 3, shared 4`` for several (or
    ``4, all in ordering``)."""
    services = [name for name, _ in s.variant(variant).costs["cancel"][0].per_service]
    if len(services) < 2:
        return str(len(files))
    counted = Counter(next((n for n in services if f.startswith(f"{n}/")), "shared") for f in files)
    if len(counted) == 1:
        return f"{len(files)}, all in {next(iter(counted))}"
    parts = [f"{name} {counted[name]}" for name in [*services, "shared"] if counted[name]]
    return f"{len(files)}: {', '.join(parts)}"


def glance(s: Sources) -> str:
    """The debrief's first table: the figures its questions point at, per variant."""
    uses = ("place-order", "amend-line", "cancel", "get-order")
    rules = ("O3", "O7", "O9")
    rows: dict[str, Callable[[str], str]] = {
        "files / lines / functions": lambda n: " / ".join(
            size(s, n, measure) for measure in ("files", "lines", "functions")
        ),
        "complexity mean / max": lambda n: (
            f"{complexity(s, n, 'mean')} / {complexity(s, n, 'max')}"
        ),
        "import contracts (all kept)": lambda n: contracts(s, n),
        "cancel: functions on its path (files)": lambda n: (
            f"{path_functions(s, n, 'cancel')} ({path_files(s, n, 'cancel')})"
        ),
        "SQL for place / amend / cancel / get (1 line or 20)": lambda n: " / ".join(
            statements(s, n, use) for use in uses
        ),
        "HTTP calls between services, same use cases": lambda n: " / ".join(
            calls(s, n, use) for use in uses
        ),
        "places (files) of O3 / O7 / O9": lambda n: " / ".join(
            f"{rule_places(s, n, rule)} ({rule_files(s, n, rule)})" for rule in rules
        ),
    }
    names = s.comparison.names
    return _table(["", *names], [[label, *map(cell, names)] for label, cell in rows.items()])


FIGURES: dict[str, Callable[..., str]] = {
    "answered-files": answered_files,
    "answers": answers,
    "calls": calls,
    "cases": cases,
    "change": change,
    "change-costs": change_costs,
    "change-files": change_files,
    "complexity": complexity,
    "constant": constant,
    "contention": contention,
    "contracts": contracts,
    "copy-broken": copy_broken,
    "copy-contracts": copy_contracts,
    "exercise-list-ends": exercise_list_ends,
    "glance": glance,
    "own-files": own_files,
    "path-files": path_files,
    "path-functions": path_functions,
    "quote": quote,
    "rule-files": rule_files,
    "rule-places": rule_places,
    "shared": shared,
    "size": size,
    "solutions": solutions,
    "statements": statements,
    "style-part": style_part,
    "tests": tests,
}


# --- the blocks ------------------------------------------------------------------------


def render(block: str, sources: Sources) -> str:
    """The figure a block's ``NAME ARG ...`` asks for."""
    name, *arguments = block.split()
    figure = FIGURES.get(name)
    if figure is None:
        raise FiguresError(f"no figure {name!r} (known: {', '.join(FIGURES)})")
    try:
        return figure(sources, *arguments)
    except (LookupError, TypeError) as error:  # a name or an argument the data lacks
        raise FiguresError(f"figure {block!r}: {error!r}") from error


def rewrite(text: str, sources: Sources) -> str:
    """``text`` with every block's figure written again."""

    def written(found: re.Match[str]) -> str:
        body = render(found["name"], sources)
        return f"<!-- figures: {found['name']} -->{body}<!-- figures: end -->"

    return BLOCK.sub(written, text)


def pages() -> list[Path]:
    return sorted(GUIDE.glob("*.md"))


def main(argv: Sequence[str]) -> int:
    if list(argv) not in ([], ["--check"]):
        print(__doc__)
        return 2
    print("figures: measuring the variants (kata compare, one round)", flush=True)
    sources = gather(collect(variants.names(), rounds=1, with_tests=False))
    stale = []
    for page in pages():
        current = page.read_text("utf-8")
        wanted = rewrite(current, sources)
        if wanted == current:
            continue
        stale.append(page)
        if not argv:
            page.write_text(wanted, encoding="utf-8")
            print(f"wrote {page.relative_to(variants.REPO_ROOT)}")
    if argv and stale:
        named = ", ".join(str(page.relative_to(variants.REPO_ROOT)) for page in stale)
        print(f"stale: {named}; run python -m kata.workshop.figures", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
