"""How strong is the shared suite? Mutation testing of one variant's business code with mutmut.

mutmut changes the code one small edit at a time (a ``<`` becomes ``<=``, a constant changes,
a call is dropped: a *mutant*) and runs the tests that reach the changed function. A mutant
the suite notices is *killed*; one it lets pass *survived*, and each survivor names a rule
no acceptance case checks closely enough. The benchmark mutates every layer of the variant but
its HTTP presentation (``BUSINESS_CODE``), runs the shared suite alone
(``tests/acceptance --variant VARIANT``), and prints the counts, the score and each survivor.
What the shared suite never reaches (an adapter only the variant's own wiring plugs in, a
command of its own) then runs in a second pass under the variant's own tests (``OWN_TESTS``),
counted apart as "killed by own tests". Code a module runs while it is imported keeps the
original in mutmut's workers (they fork from a process that imported it): those mutants run
again, each in a fresh process under the whole suite (:func:`fresh_pass`).

A record made without a pass gets it later, without a full run (each refuses if the variant's
code changed since the record's commit): ``--own-tests`` the second pass (the suite's reach
must be what it was then; give ``--database-url`` for a record of both databases; with
``--again`` in place of the record's, e.g. where ``KATA_TEST_AMQP_URL`` lets a broker's tests run),
``--fresh`` the fresh pass (on PostgreSQL too with ``--database-url``), ``--fresh-survivors``
a fresh run of each survivor under the whole suite (a function called while a session fixture
starts the app is mapped by mutmut to that one test; with ``--server-tests`` under the tests
that start servers, ``SERVER_TESTS``, instead), ``--own-tests --survivors`` the
survivors and the declared equivalents under the variant's own tests (what the shared suite
reaches but cannot pin without a fault of the variant's own, a service down, a saga half
done, or without a call no request makes, a domain guard behind the request schema, a
retry's backoff; counted apart, see :func:`own_tests_on_survivors`).

    python -m benchmarks.mutation transaction_script              # SQLite
    python -m benchmarks.mutation domain_model --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python -m benchmarks.mutation transaction_script --record     # and writes its JSON

On PostgreSQL only the suite's PostgreSQL cases run, and some paths run only there (a race
lost at commit, the retry after it) while SQLite's start-up code runs only on SQLite. Keep
a run on each (``--keep``) and read them together: a mutant killed on either is killed.
Before recording, run again each mutant that only one database killed (``mutmut run NAME
...`` in that copy, with the run's ``KATA_TEST_POSTGRES_URL`` and ``TZ``): under a full
machine a timing-bound case has failed once on PostgreSQL for a mutant that changes nothing.

    python -m benchmarks.mutation transaction_script --reread /tmp/mutation-A /tmp/mutation-B

A full run on each database costs twice the time where the second database only has to try
what the first left alive. ``--recheck`` runs only the recorded run's survivors and declared
equivalents on the database given (the variant's code must not have changed since the
record's commit), twice, and counts killed what both passes killed; the record then names
both databases and keeps what was rechecked under ``rechecked``. Once the survivors left are
reviewed, ``--reclassify --record`` counts those the equivalents file now declares as such
(``--prune --record`` first takes the record's stale entries out of the file):

    python -m benchmarks.mutation domain_model --recheck --record --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

mutmut runs in a temporary copy of the repository, so its ``mutants/`` folder never lands in
the worktree, and the suite runs in a local time zone far from UTC (``SUITE_TIME_ZONE``), so
that a clock read without a zone shows. Equivalent mutants (no test could ever tell them
apart from the original) are declared, each with its reason, in
``benchmarks/mutation-equivalents.toml``; nothing else is excluded. Two limits of mutmut 3.8
are worked around or reported rather than hidden:

- it gives no mutants to a decorated function (``@script def place_order``): in its copy the
  benchmark decorates such functions by assignment instead (:func:`undecorated`: the same
  function object, mutated like any other); the figure "decorated, not mutated" counts any
  left (none, unless the rewrite fails to apply);
- it re-selects tests by id, and pytest escapes non-ASCII characters in ids (``\\uff15``) in a
  way it then cannot find; mutmut then counts the mutant killed without running a test. The
  run sets pytest's option that keeps ids unescaped, and any mutant still reached by an escaped
  id is counted apart ("killed unrun"), outside the score.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EQUIVALENTS = REPO / "benchmarks" / "mutation-equivalents.toml"
RESULTS = REPO / "benchmarks" / "results"
DATABASE_MARK = "mutation-database.txt"  # in a kept scratch copy: the database it ran on
# In a record: how many of the killed by own tests the shared suite had reached and let live.
SURVIVORS_KILLED_BY_OWN_TESTS = "survivors_killed_by_own_tests"
SURVIVORS_KILLED_BY_SERVER_TESTS = "survivors_killed_by_server_tests"
OWN_TESTS_MARK = "mutation-own-tests.txt"  # in a kept copy of the second pass: its tests
FRESH_RESULTS = "mutation-fresh.json"  # in a kept copy: import-time mutants run afresh

# Every layer but the HTTP presentation, per variant (folders and files under kata/VARIANT/).
BUSINESS_CODE: dict[str, tuple[str, ...]] = {
    "transaction_script": ("services", "data", "records.py"),
    "domain_model": ("domain", "services", "persistence"),
    "aggregate": ("domain", "application", "infrastructure"),
    "hexagonal": ("domain", "application", "adapters/outbound"),
    "event_sourced": ("domain", "application", "eventstore", "projections", "history.py"),
    "microservices": (
        "ordering/domain",
        "ordering/application",
        "ordering/adapters/sql",
        "ordering/adapters/inventory_http.py",
        "inventory/service.py",
        "inventory/stock.py",
        "inventory/store.py",
    ),
}

# Code the shared suite never reaches is a variant's own feature, not the contract: an adapter
# only the variant's own wiring plugs in (hexagonal's in-memory and AMQP adapters), a command
# of its own (``kata history``). A second pass runs those mutants alone under the variant's
# own tests; the report counts what they kill apart ("killed by own tests").
SHARED_SUITE = ("tests/acceptance",)
# The tests that start `kata serve` in processes of their own (a second server on the same
# database, a server killed mid-load, start-up refusals): the only ones that reach a
# variant's start-up and cross-process races, which the in-process suite never runs.
SERVER_TESTS = ("tests/test_serve.py", "tests/test_faults.py")
# Each variant's database module (start-up, the write lock, lost races told from other
# errors), tried case by case for every variant in one test module: the shared suite's
# database is made once, before any case, and its races rarely lose on SQLite.
DATABASE_TESTS = "tests/test_database_modules.py"
# A use case that loses every race, for each variant whose retry has no case of its own.
GIVING_UP_TESTS = "tests/test_giving_up.py"
# Each variant's refusals word for word: a problem's detail is free text to the shared suite.
DETAIL_TESTS = "tests/test_problem_details.py"
OWN_TESTS: dict[str, tuple[str, ...]] = {
    "transaction_script": (DATABASE_TESTS, GIVING_UP_TESTS, DETAIL_TESTS),
    "domain_model": ("tests/domain_model", DATABASE_TESTS, GIVING_UP_TESTS, DETAIL_TESTS),
    "aggregate": ("tests/aggregate", DATABASE_TESTS, GIVING_UP_TESTS, DETAIL_TESTS),
    "hexagonal": ("tests/hexagonal", DATABASE_TESTS, GIVING_UP_TESTS, DETAIL_TESTS),
    "event_sourced": (
        "tests/event_sourced",
        "tests/test_cli_event_log.py",
        "tests/differential/test_event_sourced_rebuild.py",
        DATABASE_TESTS,
        DETAIL_TESTS,
    ),
    "microservices": ("tests/microservices", DATABASE_TESTS, GIVING_UP_TESTS, DETAIL_TESTS),
}

# What the suite needs beside kata/ in mutmut's copy (the root conftest loads tests' plugins,
# some cases read docs/ and exercises/).
ALSO_COPY = ["tests", "conftest.py", "docs", "benchmarks", "exercises", "pyproject.toml"]

# mutmut's exit codes (mutmut.stats.status_by_exit_code), folded into the report's buckets.
KILLED, SURVIVED, NOT_REACHED, TIMEOUT = "killed", "survived", "not reached", "timeout"
EQUIVALENT, KILLED_UNRUN, IMPORT_TIME, OTHER = "equivalent", "killed unrun", "import time", "other"
KILLED_OWN = "killed by own tests"  # not reached by the shared suite, killed in the second pass
BUCKETS = (
    KILLED,
    KILLED_OWN,
    SURVIVED,
    NOT_REACHED,
    TIMEOUT,
    EQUIVALENT,
    KILLED_UNRUN,
    IMPORT_TIME,
    OTHER,
)
STATUS_BY_EXIT_CODE: dict[int | None, str] = {
    1: KILLED,
    3: KILLED,
    0: SURVIVED,
    5: NOT_REACHED,
    33: NOT_REACHED,
    36: TIMEOUT,
    24: TIMEOUT,
    -24: TIMEOUT,
    152: TIMEOUT,
    255: TIMEOUT,
}

# The suite runs in this local zone (UTC+05:45): a clock read without a zone then shows as a
# time hours off "now in UTC" (the cases check created_at), where on a machine in UTC it
# could not be told from the original.
SUITE_TIME_ZONE = "Asia/Kathmandu"

# pytest's escape of a non-ASCII character in a test id: \xe9, \uff15, \U0001f600.
_ESCAPED = re.compile(r"\\(x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})")
_MUTANT_SUFFIX = re.compile(r"__mutmut_\d+$")
# Keeps test ids unescaped, so that mutmut can select them again (pytest's own option name).
_UNESCAPED_IDS = "disable_test_id_escaping_and_forfeit_all_rights_to_community_support=true"


@dataclass(frozen=True)
class Equivalent:
    variant: str
    mutant: str
    reason: str


@dataclass(frozen=True)
class Survivor:
    mutant: str
    location: str  # file:line
    mutation: str  # the changed line, before -> after


@dataclass
class Outcome:
    """One variant's figures, built from mutmut's per-file results."""

    status_by_mutant: dict[str, str]
    survivors: list[Survivor] = field(default_factory=list)
    decorated: list[str] = field(default_factory=list)
    stale_equivalents: list[str] = field(default_factory=list)
    fresh: dict[str, str] = field(default_factory=dict)  # import-time mutant -> run afresh
    own_tests: list[str] = field(default_factory=list)  # the second pass's tests, if it ran

    def counts(self) -> dict[str, int]:
        found = Counter(self.status_by_mutant.values())
        return {bucket: found[bucket] for bucket in BUCKETS}

    def scores(self) -> dict[str, float]:
        return scores(self.counts())


def scores(counts: Mapping[str, int]) -> dict[str, float]:
    """Killed over every mutant, and over the mutants that are not equivalent (percent); a
    record made before the second pass existed has no count of it."""
    total = sum(counts.values())
    relevant = total - counts[EQUIVALENT]
    killed = counts[KILLED] + counts.get(KILLED_OWN, 0)
    return {
        "killed_of_all": _percent(killed, total),
        "killed_of_non_equivalent": _percent(killed, relevant),
    }


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def statuses(
    exit_code_by_mutant: Mapping[str, int | None],
    tests_by_function: Mapping[str, Iterable[str]],
) -> dict[str, str]:
    """Each mutant's bucket; a kill reached by a test id mutmut cannot select is "killed unrun"."""
    result = {}
    for mutant, code in exit_code_by_mutant.items():
        status = STATUS_BY_EXIT_CODE.get(code, OTHER)
        tests = tests_by_function.get(function_of(mutant), ())
        if status == KILLED and any(_ESCAPED.search(test) for test in tests):
            status = KILLED_UNRUN
        result[mutant] = status
    return result


def function_of(mutant: str) -> str:
    """``kata.x.orders.x_place__mutmut_12`` -> ``kata.x.orders.x_place`` (mutmut's stats key)."""
    return _MUTANT_SUFFIX.sub("", mutant)


def mark_import_time(status_by_mutant: dict[str, str], functions: set[str]) -> None:
    """Survivors of functions run only while their module is imported (see called_at_import)."""
    for mutant, status in status_by_mutant.items():
        if status == SURVIVED and function_of(mutant) in functions:
            status_by_mutant[mutant] = IMPORT_TIME


def load_equivalents(text: str, variant: str) -> list[Equivalent]:
    """The reviewed equivalents of one variant; every entry must give its reason, once for
    the mutants it lists (those that are equivalent for the same reason)."""
    entries = tomllib.loads(text).get("equivalent", [])
    result = []
    for entry in entries:
        if not entry.get("reason", "").strip():
            raise ValueError(f"equivalents {entry.get('mutants')!r} give no reason")
        if entry["variant"] == variant:
            result += [Equivalent(variant, mutant, entry["reason"]) for mutant in entry["mutants"]]
    return result


def pruned(text: str, variant: str, stale: Iterable[str]) -> str:
    """The equivalents file ``text`` without ``variant``'s ``stale`` entries (mutants a test
    now kills, or that no longer exist): an entry left with no mutant goes, and so does a
    ``# --- `` section heading left with no entry under it. Everything else stays as written."""
    gone = set(stale)
    kept: list[str] = []
    for chunk in text.strip("\n").split("\n\n"):
        is_entry = chunk.startswith("[[equivalent]]")
        left = _entry_without(chunk, variant, gone) if is_entry else chunk
        if left:
            kept.append(left)
    headings_with_entries = [
        chunk
        for chunk, after in zip(kept, [*kept[1:], ""], strict=True)
        if not (_SECTION_HEADING.match(chunk) and not after.startswith("[[equivalent]]"))
    ]
    return "\n\n".join(headings_with_entries) + "\n"


_SECTION_HEADING = re.compile(r"# --- ")


def _entry_without(entry: str, variant: str, gone: set[str]) -> str:
    """One ``[[equivalent]]`` entry without the mutants in ``gone``; empty if none is left."""
    (parsed,) = tomllib.loads(entry)["equivalent"]
    mutants = parsed["mutants"]
    left = [mutant for mutant in mutants if mutant not in gone]
    if parsed["variant"] != variant or left == mutants:
        return entry
    if not left:
        return ""
    head = entry[: entry.index("\nmutants = ")]
    listed = [json.dumps(mutant) for mutant in left]
    if len(listed) == 1:
        written = f"{head}\nmutants = [{listed[0]}]"
    else:
        written = "\n".join([head, "mutants = [", *(f"    {name}," for name in listed), "]"])
    # Rewritten from its head: an entry with a key after its mutants would lose it.
    if tomllib.loads(written)["equivalent"] != [{**parsed, "mutants": left}]:
        raise ValueError(f"cannot prune the entry {parsed['mutants'][0]!r}: mutants must come last")
    return written


def apply_equivalents(
    status_by_mutant: dict[str, str], equivalents: Iterable[Equivalent]
) -> list[str]:
    """Marks the declared equivalents; returns the entries that match no surviving mutant.

    Only a survivor can be equivalent: a declared mutant that the suite kills (or that no
    longer exists) is a stale entry, reported so that the file is reviewed again. So can a
    mutant no test reaches, where the reason says why no code ever runs it (the default of a
    ``Protocol`` method: calls go to the adapter's own signature); one a test reaches later
    is killed or survives, and its entry is judged again.
    """
    stale = []
    for equivalent in equivalents:
        if status_by_mutant.get(equivalent.mutant) in (SURVIVED, NOT_REACHED):
            status_by_mutant[equivalent.mutant] = EQUIVALENT
        else:
            stale.append(equivalent.mutant)
    return stale


def describe_diff(diff: str) -> tuple[int, str]:
    """The first changed line of ``mutmut show``'s diff: its line in the file, before -> after.

    The diff's hunk header gives the original line number of its first line.
    """
    line = 0
    removed: list[str] = []
    added: list[str] = []
    for text in diff.splitlines():
        if text.startswith("@@"):
            match = re.match(r"@@ -(\d+)", text)
            line = int(match.group(1)) if match else 0
        elif text.startswith(("---", "+++")):
            continue
        elif text.startswith("-"):
            removed.append(text[1:].strip())
        elif text.startswith("+"):
            added.append(text[1:].strip())
        elif not removed and not added and line:
            line += 1
    return line, f"{' / '.join(removed)}  ->  {' / '.join(added) or '(removed)'}"


_FUNCTION = ast.FunctionDef | ast.AsyncFunctionDef


def decorated_functions(source: str) -> list[str]:
    """Functions mutmut leaves alone: decorated by anything but one staticmethod/classmethod."""
    return [
        f"{node.name}:{node.lineno}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, _FUNCTION) and _left_alone_by_mutmut(node)
    ]


def undecorated(source: str) -> str:
    """``source`` with each function mutmut would leave alone (see :func:`decorated_functions`)
    written without its decorators, then decorated by assignment right after it::

        @script                          def place_order(...):
        def place_order(...):     ->         ...
            ...                          place_order = script(place_order)

    The same function object results (decorators apply bottom-up, once, where the ``def``
    is), so the suite sees the same code, and mutmut mutates the function's body."""
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, list[str]]] = []  # (first, end) line slice -> replacement
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, _FUNCTION) or not _left_alone_by_mutmut(node):
            continue
        decorators = [ast.get_source_segment(source, d) or "" for d in node.decorator_list]
        wrapped = node.name
        for decorator in reversed(decorators):
            wrapped = f"{decorator}({wrapped})"
        indent = " " * node.col_offset
        assert node.end_lineno is not None
        body = lines[node.lineno - 1 : node.end_lineno]
        first = node.decorator_list[0].lineno - 1
        edits.append((first, node.end_lineno, [*body, f"{indent}{node.name} = {wrapped}\n"]))
    for first, end, replacement in sorted(edits, reverse=True):  # bottom-up: slices stay put
        lines[first:end] = replacement
    return "".join(lines)


def _left_alone_by_mutmut(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if not node.decorator_list:
        return False
    only = node.decorator_list[0] if len(node.decorator_list) == 1 else None
    return not (isinstance(only, ast.Name) and only.id in ("staticmethod", "classmethod"))


ORIGINALS = ".originals"  # in the scratch copy: each file as it was before undecorate()


def undecorate(root: Path, variant: str) -> None:
    """Rewrite the variant's business code in the scratch copy ``root`` with
    :func:`undecorated`, so that mutmut mutates its decorated functions too; a rewritten
    file's original goes under ``ORIGINALS``, where a survivor's line is read."""
    for path in business_files(root, variant):
        text = path.read_text()
        if (rewritten := undecorated(text)) != text:
            original = root / ORIGINALS / path.relative_to(root)
            original.parent.mkdir(parents=True, exist_ok=True)
            original.write_text(text)
            path.write_text(rewritten)


# --- running mutmut in a scratch copy ---------------------------------------------------------


def business_globs(variant: str) -> list[str]:
    return [
        f"kata/{variant}/{part}" if part.endswith(".py") else f"kata/{variant}/{part}/*"
        for part in BUSINESS_CODE[variant]
    ]


def business_files(root: Path, variant: str) -> list[Path]:
    files = []
    for part in BUSINESS_CODE[variant]:
        path = root / "kata" / variant / part
        files.extend([path] if path.suffix == ".py" else sorted(path.rglob("*.py")))
    return files


def mutmut_config(variant: str, postgres: bool, tests: Sequence[str] = SHARED_SUITE) -> str:
    # The shared suite on PostgreSQL runs its PostgreSQL cases alone; own tests run whole,
    # their SQLite cases cheap beside the PostgreSQL ones they would otherwise leave out.
    pytest_args = suite_options(variant, postgres) if tests == SHARED_SUITE else _NO_SELECTION
    return "\n".join(
        [
            "",
            "[tool.mutmut]",
            'source_paths = ["kata"]',
            f"only_mutate = {json.dumps(business_globs(variant))}",
            f"also_copy = {json.dumps(ALSO_COPY)}",
            f"pytest_add_cli_args = {json.dumps(pytest_args)}",
            f"pytest_add_cli_args_test_selection = {json.dumps(list(tests))}",
            "",
        ]
    )


_NO_SELECTION = ["-o", _UNESCAPED_IDS, "-p", "no:xdist"]


def suite_options(variant: str, postgres: bool, tests: Sequence[str] = SHARED_SUITE) -> list[str]:
    """pytest's options for the suite of one variant, on PostgreSQL's cases alone or not
    (other ``tests``, parametrized by variant, are selected by name)."""
    options = _NO_SELECTION
    if tests == SHARED_SUITE:
        return ["--variant", variant, *options, *(["-k", "postgresql"] if postgres else [])]
    return [*options, "-k", f"{variant} and postgresql" if postgres else variant]


def scratch_copy(target: Path) -> None:
    """The worktree's files as git sees them (tracked and new, not ignored), symlinks kept."""
    listed = _git("ls-files", "-co", "--exclude-standard", "-z").split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the worktree
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination, follow_symlinks=False)


def run_mutmut(
    scratch: Path,
    variant: str,
    database_url: str | None,
    children: int,
    *,
    mutants: Sequence[str] = (),
    tests: Sequence[str] = ("tests/acceptance",),
) -> None:
    """mutmut over the variant in ``scratch`` with ``tests``: every mutant, or only ``mutants``
    (run again even where the copy holds a result for them)."""
    pyproject = scratch / "pyproject.toml"
    config = mutmut_config(variant, postgres=database_url is not None, tests=tests)
    if config not in pyproject.read_text():
        with pyproject.open("a") as file:
            file.write(config)
    mutmut = Path(sys.executable).with_name("mutmut")
    subprocess.run(
        [str(mutmut), "run", "--max-children", str(children), *mutants],
        cwd=scratch,
        env=suite_environment(database_url),
        check=True,
    )


def fresh_pass(
    scratch: Path,
    variant: str,
    database_url: str | None,
    mutants: Sequence[str],
    children: int,
    *,
    tests: Sequence[str] = SHARED_SUITE,
) -> dict[str, str]:
    """Each mutant run in a process of its own, switched on before anything is imported.

    mutmut forks its workers from a process that has imported the code, so what a module
    builds while it is imported (a decorated use case, a prepared statement) keeps the
    original code whatever the mutant. Here the shared suite runs in a new interpreter over
    mutmut's copy with ``MUTANT_UNDER_TEST`` already set, stopping at its first failure:
    a failure (or a suite that cannot even start) kills the mutant, a pass lets it survive.
    A run without a mutant must pass first, and bounds the time each may take.
    """
    copy = scratch / "mutants"
    arguments = [sys.executable, "-m", "pytest", *tests, "-x", "-q"]
    arguments += suite_options(variant, database_url is not None, tests)

    def run(mutant: str, timeout: float | None = None) -> int | None:
        env = suite_environment(database_url) | {
            "MUTANT_UNDER_TEST": mutant,
            "PYTHONPATH": str(copy),
        }
        try:
            done = subprocess.run(
                arguments, cwd=copy, env=env, capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return None
        return done.returncode

    started = time.monotonic()
    if run("") != 0:
        raise SystemExit(f"{copy}: the suite fails in a fresh process without any mutant")
    bound = 3 * (time.monotonic() - started) + 30

    done = Counter[str]()

    def judged(mutant: str) -> tuple[str, str]:
        code = run(mutant, bound)
        status = TIMEOUT if code is None else {0: SURVIVED, 5: OTHER}.get(code, KILLED)
        done[status] += 1
        print(f"fresh: {done.total()}/{len(mutants)} {status:<9} {mutant}", file=sys.stderr)
        return mutant, status

    with ThreadPoolExecutor(children) as pool:
        results = dict(pool.map(judged, mutants))
    (scratch / FRESH_RESULTS).write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    return results


def suite_environment(database_url: str | None) -> dict[str, str]:
    """The suite's environment: this database only, and a local time zone far from UTC."""
    env = dict(os.environ)
    env.pop("KATA_TEST_POSTGRES_URL", None)
    if database_url:
        env["KATA_TEST_POSTGRES_URL"] = database_url
    env["TZ"] = SUITE_TIME_ZONE
    return env


def collect(scratches: Sequence[Path], variant: str, equivalents: list[Equivalent]) -> Outcome:
    """The outcome of runs kept in ``scratches`` (one per database, of the same code, and
    the second passes under the variant's own tests)."""
    own = [scratch for scratch in scratches if (scratch / OWN_TESTS_MARK).is_file()]
    shared = [scratch for scratch in scratches if scratch not in own]
    outcome = Outcome(merged([_statuses_in(scratch, variant) for scratch in shared]))
    for scratch in own:
        second_pass = _statuses_in(scratch, variant)
        judged_again(
            outcome.status_by_mutant, second_pass, judged=NOT_REACHED, killed_as=KILLED_OWN
        )
        outcome.own_tests = (scratch / OWN_TESTS_MARK).read_text().split()
    scratch = shared[0]  # the code, and so each mutant, is the same in every copy
    mark_import_time(outcome.status_by_mutant, import_time_functions(scratch, variant))
    fresh_results = scratch / FRESH_RESULTS
    if fresh_results.is_file():
        outcome.fresh = json.loads(fresh_results.read_text())
        judged_again(outcome.status_by_mutant, outcome.fresh, judged=IMPORT_TIME, killed_as=KILLED)
    outcome.stale_equivalents = apply_equivalents(outcome.status_by_mutant, equivalents)
    for mutant, status in sorted(outcome.status_by_mutant.items()):
        if status == SURVIVED:
            outcome.survivors.append(_survivor(scratch, mutant))
    for path in business_files(scratch, variant):
        relative = path.relative_to(scratch)
        outcome.decorated += [
            f"{relative}:{name}" for name in decorated_functions(path.read_text())
        ]
    return outcome


def import_time_functions(scratch: Path, variant: str) -> set[str]:
    """mutmut's names of the functions the variant's modules run while imported."""
    at_import = set()
    for path in business_files(scratch, variant):
        module = ".".join(path.relative_to(scratch).with_suffix("").parts)
        source = path.read_text()
        imported = imported_functions(source, module)
        at_import |= {
            f"{imported.get(name.removeprefix('x_'), module)}.{name}"
            for name in called_at_import(source)
        }
    return at_import


def _statuses_in(scratch: Path, variant: str) -> dict[str, str]:
    mutants = scratch / "mutants"
    exit_codes: dict[str, int | None] = {}
    for meta in (mutants / "kata" / variant).rglob("*.py.meta"):
        exit_codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    stats = json.loads((mutants / "mutmut-stats.json").read_text())
    return statuses(exit_codes, stats.get("tests_by_mangled_function_name", {}))


# A mutant's status over runs on several databases: killed on any, it is killed (the suite
# pins that behaviour where the path runs); else a survival on any is a gap; a mutant no run
# reached stays not reached (SQLite's start-up code on PostgreSQL, and the other way round).
_PRECEDENCE = (KILLED, KILLED_UNRUN, SURVIVED, TIMEOUT, OTHER, NOT_REACHED)


def judged_again(
    status_by_mutant: dict[str, str], later: Mapping[str, str], *, judged: str, killed_as: str
) -> None:
    """The mutants in bucket ``judged`` as a later pass found them, a kill counted as
    ``killed_as``: the import-time ones run afresh (:func:`fresh_pass`, killed), those the
    shared suite did not reach run under the variant's own tests (killed by own tests). A
    mutant the later pass said nothing of stays where it was."""
    for mutant, found in later.items():
        if status_by_mutant.get(mutant) == judged and found in (KILLED, SURVIVED, TIMEOUT):
            status_by_mutant[mutant] = killed_as if found == KILLED else found


def merged(runs: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """Each mutant's status over ``runs`` (mutant -> status, one per database)."""
    result: dict[str, str] = {}
    for run in runs:
        for mutant, status in run.items():
            held = result.get(mutant)
            if held is None or _PRECEDENCE.index(status) < _PRECEDENCE.index(held):
                result[mutant] = status
    return result


def _survivor(scratch: Path, mutant: str) -> Survivor:
    """Where a survivor is and what it changed: mutmut's copy keeps the original function
    (``NAME__mutmut_orig``) beside each mutant, so a diff of the two shows the change."""
    module, function = function_of(mutant).rsplit(".", 1)
    path = f"{module.replace('.', '/')}.py"
    mutated = _definitions((scratch / "mutants" / path).read_text())
    diff = difflib.unified_diff(
        mutated[f"{function}__mutmut_orig"], mutated[mutant.rsplit(".", 1)[1]], lineterm="", n=9999
    )
    offset, mutation_text = describe_diff("\n".join(diff))
    # A body is the same in both; the lines around it moved where undecorate() rewrote.
    original = scratch / ORIGINALS / path
    start = function_lines((original if original.is_file() else scratch / path).read_text())
    return Survivor(mutant, f"{path}:{start[function] + offset - 1}", mutation_text)


def _definitions(source: str) -> dict[str, list[str]]:
    """Every function's source lines, by name, its ``def`` line renamed away so they compare."""
    lines = source.splitlines()
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
            body = lines[node.lineno - 1 : node.end_lineno]
            found[node.name] = [body[0].replace(node.name, "f", 1), *body[1:]]
    return found


def function_lines(source: str) -> dict[str, int]:
    """Each function's ``def`` line, under mutmut's mangled name (``x_f``, ``xǁClassǁmethod``)."""
    lines = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines[f"x_{node.name}"] = node.lineno
        elif isinstance(node, ast.ClassDef):
            for method in node.body:
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines[f"x\u01c1{node.name}\u01c1{method.name}"] = method.lineno
    return lines


def called_at_import(source: str) -> set[str]:
    """Functions a module calls while it is imported (in a module-level statement), and the
    functions named nowhere else than in those (helpers that build what they build).

    mutmut's workers import the code once, before any mutant is switched on, so what such a
    call built (a prepared statement, a table) keeps the original code: their mutants survive
    whatever the suite checks: they are counted apart ("import time") until
    :func:`fresh_pass` runs each in a process of its own.
    """
    tree = ast.parse(source)
    defined = {node.name for node in tree.body if isinstance(node, _FUNCTION)}
    called: set[str] = set()
    named_by: dict[str, set[str]] = {name: set() for name in defined}  # by function or class
    for statement in tree.body:
        owner = statement.name if isinstance(statement, _FUNCTION | ast.ClassDef) else ""
        for node in ast.walk(statement):
            if not owner and isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                called.add(node.func.id)
            if isinstance(node, ast.Name) and node.id in named_by and node.id != owner:
                named_by[node.id].add(owner)  # "": a module-level statement
    at_import = called & defined
    while True:
        helpers = {name for name, owners in named_by.items() if owners and owners <= at_import}
        if helpers <= at_import:
            break
        at_import |= helpers
    return {f"x_{name}" for name in called | at_import}


def imported_functions(source: str, module: str) -> dict[str, str]:
    """Names a module imports with ``from … import``, each with the module it comes from
    (relative imports resolved against ``module``): a decorator defined elsewhere and called
    at import here (``place_order = script(place_order)``) runs at import all the same."""
    package = module.rsplit(".", 1)[0].split(".")
    found = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ImportFrom):
            continue
        base = package[: len(package) - node.level + 1] if node.level else []
        origin = ".".join([*base, *([node.module] if node.module else [])])
        for alias in node.names:
            found[alias.asname or alias.name] = origin
    return found


# --- report -------------------------------------------------------------------------------------


def figures_of(variant: str, database: str, outcome: Outcome) -> dict[str, Any]:
    """What a record holds: the counts, the score, each survivor, and the code they were of."""
    return {
        "benchmark": "mutation",
        "variant": variant,
        "database": database,
        "commit": _git("rev-parse", "HEAD"),
        "uncommitted_changes": _uncommitted_changes(),
        "date": _now(),
        "mutated": list(BUSINESS_CODE[variant]),
        "counts": outcome.counts(),
        "score": outcome.scores(),
        "decorated_not_mutated": outcome.decorated,
        "stale_equivalents": outcome.stale_equivalents,
        "survivors": [vars(s) for s in outcome.survivors],
        "timeouts": sorted(
            m for m, status in outcome.status_by_mutant.items() if status == TIMEOUT
        ),
        "own_tests": outcome.own_tests,
        "import_time_run_afresh": {
            "run": len(outcome.fresh),
            "killed": sum(status == KILLED for status in outcome.fresh.values()),
        },
    }


def rechecked(
    figures: Mapping[str, Any], killed: set[str], database: str, equivalent: Sequence[str]
) -> dict[str, Any]:
    """A record's figures once its survivors and its ``equivalent`` mutants were run on
    another ``database``: those in ``killed`` count killed (killed on either database, the
    suite pins that behaviour where the path runs); a declared equivalent killed there was
    not equivalent, and is listed stale so that the file is reviewed."""
    moved = _survivors_moved(figures, killed, KILLED)
    counts = dict(moved["counts"])
    killed_equivalents = sorted(killed.intersection(equivalent))
    counts[EQUIVALENT] -= len(killed_equivalents)
    counts[KILLED] += len(killed_equivalents)
    return {
        **moved,
        "database": f"{figures['database']} and {database}",
        "counts": counts,
        "score": scores(counts),
        "stale_equivalents": [*figures["stale_equivalents"], *killed_equivalents],
        "rechecked": {
            "database": database,
            "commit": _git("rev-parse", "HEAD"),
            "uncommitted_changes": _uncommitted_changes(),
            "date": _now(),
            "mutants": len(figures["survivors"]) + len(equivalent),
            "killed": sorted(killed),
        },
    }


def reclassified(figures: Mapping[str, Any], equivalent: Iterable[str]) -> dict[str, Any]:
    """A record's figures with the survivors the equivalents file now declares equivalent
    counted so (the file reviewed after the run; no mutant runs again). Its stale entries
    are those the file still declares: one the review removed or renamed is stale no more."""
    declared = set(equivalent)
    moved = _survivors_moved(figures, declared, EQUIVALENT)
    stale = [m for m in figures.get("stale_equivalents", []) if m in declared]
    return {**moved, "stale_equivalents": stale}


def _survivors_moved(figures: Mapping[str, Any], mutants: set[str], bucket: str) -> dict[str, Any]:
    """A record's figures with its survivors named in ``mutants`` counted in ``bucket``."""
    survivors = [s for s in figures["survivors"] if s["mutant"] not in mutants]
    counts = dict(figures["counts"])
    counts[bucket] = counts.get(bucket, 0) + len(figures["survivors"]) - len(survivors)
    counts[SURVIVED] = len(survivors)
    return {**figures, "counts": counts, "score": scores(counts), "survivors": survivors}


def judged_afresh_later(
    figures: Mapping[str, Any], fresh: Mapping[str, str], survivors: Sequence[Survivor]
) -> dict[str, Any]:
    """A record's import-time mutants, judged by :func:`fresh_pass` after the record was made.

    ``fresh`` holds every mutant of the functions run at import: the record's import-time
    ones, and those of the same functions the suite killed while the run went on (a fresh
    process kills them again: their mutation is on from the start there too). So every fresh
    result but a kill belongs to an import-time mutant, and the rest of those were killed.
    """
    counts = dict(figures["counts"])
    found = Counter(fresh.values())
    outlived = found[SURVIVED] + found[TIMEOUT] + found[OTHER]
    if outlived > counts[IMPORT_TIME]:
        raise SystemExit("more import-time mutants outlived a fresh run than the record holds")
    counts[KILLED] += counts[IMPORT_TIME] - outlived
    counts[SURVIVED] += found[SURVIVED]
    counts[TIMEOUT] += found[TIMEOUT]
    counts[IMPORT_TIME] = found[OTHER]  # a run that tested nothing judged nothing
    return {
        **figures,
        "counts": counts,
        "score": scores(counts),
        "survivors": [*figures["survivors"], *map(vars, survivors)],
        "timeouts": _timeouts_with(figures, fresh),
        "import_time_run_afresh": {"run": len(fresh), "killed": found[KILLED]},
    }


def judged_later(
    figures: Mapping[str, Any],
    second_pass: Mapping[str, str],
    survivors: Sequence[Survivor],
    equivalent: Iterable[str] = (),
) -> dict[str, Any]:
    """A record made without the second pass, with it: the mutants it ran (``second_pass``,
    mutant -> status, each one the record counts not reached) judged by the variant's own
    tests; ``survivors`` are those they let live. Of those they do not reach either, the ones
    declared ``equivalent`` count so (see :func:`apply_equivalents`)."""
    counts = dict(figures["counts"])
    declared = set(equivalent)
    unreached = [m for m, status in second_pass.items() if status == NOT_REACHED]
    counts[EQUIVALENT] += len(declared.intersection(unreached))
    found = Counter(status for status in second_pass.values() if status != NOT_REACHED)
    counts[NOT_REACHED] -= sum(found.values()) + len(declared.intersection(unreached))
    counts[KILLED_OWN] = counts.get(KILLED_OWN, 0) + found[KILLED]
    counts[SURVIVED] += found[SURVIVED]
    counts[TIMEOUT] += found[TIMEOUT]
    return {
        **figures,
        "counts": counts,
        "score": scores(counts),
        "survivors": [*figures["survivors"], *map(vars, survivors)],
        "timeouts": _timeouts_with(figures, second_pass),
        "own_tests": list(OWN_TESTS[figures["variant"]]),
    }


def _timeouts_with(figures: Mapping[str, Any], run: Mapping[str, str]) -> list[str]:
    """The record's timed-out mutants and those of a later ``run`` (mutant -> status)."""
    return sorted({*figures.get("timeouts", []), *(m for m, s in run.items() if s == TIMEOUT)})


def report(figures: Mapping[str, Any]) -> str:
    counts = figures["counts"]
    score = figures["score"]
    decorated = figures["decorated_not_mutated"]
    variant = figures["variant"]
    lines = [f"mutation testing of {variant} ({figures['database']}), shared acceptance suite", ""]
    lines += [f"  {bucket:<20}{counts.get(bucket, 0):>5}" for bucket in BUCKETS]
    lines += [
        f"  {'all':<20}{sum(counts.values()):>5}",
        "",
        f"  score: {score['killed_of_all']}% of all mutants killed, "
        f"{score['killed_of_non_equivalent']}% of the non-equivalent ones",
        f"  decorated, not mutated: {len(decorated)} functions "
        f"({', '.join(name.rsplit('/', 1)[-1] for name in decorated) or 'none'})",
    ]
    if fresh := figures.get("import_time_run_afresh"):
        more = fresh.get("killed_on_postgresql")
        lines.append(
            f"  import time: {fresh['run']} mutants run again in a fresh process each, "
            f"{fresh['killed']} killed" + (f", {more} more on PostgreSQL" if more else "")
        )
    if again := figures.get("survivors_run_afresh"):
        lines.append(
            f"  survivors run again in a fresh process under the whole suite: {again} killed"
        )
    if by_servers := figures.get(SURVIVORS_KILLED_BY_SERVER_TESTS):
        lines.append(
            f"  survivors run again in a fresh process under the server tests "
            f"({', '.join(SERVER_TESTS)}), twice: {by_servers} killed"
        )
    if own := counts.get(KILLED_OWN, 0):
        reached = figures.get(SURVIVORS_KILLED_BY_OWN_TESTS, 0)
        lines.append(
            f"  of the killed, {own} by the variant's own tests ({', '.join(OWN_TESTS[variant])}): "
            f"{own - reached} in code the shared suite does not reach"
            + (f", {reached} it reaches but lets live" if reached else "")
        )
    if timeouts := figures.get("timeouts"):
        lines.append(
            f"  timed out (the tests ran past their CPU time limit): {', '.join(timeouts)}"
        )
    if figures["stale_equivalents"]:
        lines.append(
            f"  stale equivalents (not survivors now): {', '.join(figures['stale_equivalents'])}"
        )
    if rechecked := figures.get("rechecked"):
        lines.append(
            f"  rechecked on {rechecked['database']}: {rechecked['mutants']} mutants, "
            f"{len(rechecked['killed'])} killed"
        )
    survivors = figures["survivors"]
    lines += ["", f"survivors ({len(survivors)}):"]
    lines += [f"  {s['location']}  {s['mutation']}  [{s['mutant']}]" for s in survivors]
    return "\n".join(lines)


def record(figures: Mapping[str, Any]) -> Path:
    path = RESULTS / f"mutation-{figures['variant']}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    return path


def own_tests_pass(
    variant: str, database_url: str | None, children: int, keep: bool, *, again: bool = False
) -> dict[str, Any]:
    """The second pass for the variant's record, made before the benchmark had one (or
    ``again``, in place of the one it holds: run where a broker its own tests need is
    configured): the mutants the shared suite does not reach are found again (mutmut's map
    of which tests reach which function, over the shared suite: on SQLite, and on
    ``database_url`` too for a record of both), then run under the variant's own tests."""
    figures = _current_record(variant)
    held = bool(figures.get("own_tests") or figures["counts"].get(KILLED_OWN))
    if held != again:
        raise SystemExit(
            f"the record of {variant} already holds the second pass (--again runs it anew)"
            if held
            else f"the record of {variant} holds no second pass to run again"
        )
    unreached: set[str] | None = None
    for url in dict.fromkeys([None, database_url]):
        with _mutmut_copy(variant, figures, url, children, keep) as scratch:
            found_here = set(_unreached(scratch, variant))
            unreached = found_here if unreached is None else unreached & found_here
    assert unreached is not None
    if again:
        figures = without_second_pass(figures, unreached)
    if len(unreached) != figures["counts"][NOT_REACHED]:
        raise SystemExit(
            f"the shared suite reaches other code than when {variant} was recorded "
            f"({len(unreached)} mutants not reached, {figures['counts'][NOT_REACHED]} then): "
            "run it anew"
        )
    with _scratch(variant, keep) as second:
        tests = OWN_TESTS[variant]
        run_mutmut(second, variant, None, children, mutants=sorted(unreached), tests=tests)
        found = {m: s for m, s in _statuses_in(second, variant).items() if m in unreached}
        survivors = [_survivor(second, m) for m, s in sorted(found.items()) if s == SURVIVED]
    declared = [e.mutant for e in load_equivalents(EQUIVALENTS.read_text(), variant)]
    return judged_later(figures, found, survivors, declared)


def without_second_pass(figures: Mapping[str, Any], unreached: set[str]) -> dict[str, Any]:
    """A record as it was before its second pass judged the mutants the shared suite does not
    reach (``unreached``): all of them not reached again. Kills of own tests among the shared
    suite's survivors stay (:func:`own_tests_on_survivors`)."""
    counts = dict(figures["counts"])
    judged = [s for s in figures["survivors"] if s["mutant"] in unreached]
    killed = counts.get(KILLED_OWN, 0) - figures.get(SURVIVORS_KILLED_BY_OWN_TESTS, 0)
    counts[NOT_REACHED] += killed + len(judged)
    counts[KILLED_OWN] -= killed
    counts[SURVIVED] -= len(judged)
    survivors = [s for s in figures["survivors"] if s["mutant"] not in unreached]
    return {**figures, "counts": counts, "score": scores(counts), "survivors": survivors}


def fresh_pass_on_record(
    variant: str, database_url: str | None, children: int, keep: bool
) -> dict[str, Any]:
    """The fresh pass for the variant's record, made before the benchmark had one: on SQLite,
    then (with ``database_url``) what outlived it on PostgreSQL too, where paths run that
    SQLite never takes (a lock taken in SKU order, the retry after a lost race)."""
    figures = _current_record(variant)
    with _mutmut_copy(variant, figures, None, children, keep) as scratch:
        at_import = import_time_functions(scratch, variant)
        if "import_time_run_afresh" not in figures:
            mutants = [m for m in _mutants_in(scratch, variant) if function_of(m) in at_import]
            fresh = fresh_pass(scratch, variant, None, mutants, children)
            survivors = [_survivor(scratch, m) for m, s in sorted(fresh.items()) if s == SURVIVED]
            figures = judged_afresh_later(figures, fresh, survivors)
        outlived = [
            s["mutant"] for s in figures["survivors"] if function_of(s["mutant"]) in at_import
        ]
        if database_url and outlived:
            again = fresh_pass(scratch, variant, database_url, outlived, children)
            figures = killed_afresh_on(figures, {m for m, s in again.items() if s == KILLED})
    return figures


def survivors_run_afresh(
    variant: str,
    database_url: str | None,
    children: int,
    keep: bool,
    *,
    tests: Sequence[str] = SHARED_SUITE,
) -> dict[str, Any]:
    """The record's survivors, each run afresh under the whole suite (SQLite, then what
    outlived it on ``database_url``): mutmut runs a mutant under the tests that reached its
    function in its map, and a function called while a session-wide fixture starts the app
    (``create_app``, the engine, the schema) is mapped to the one test that started it.

    With ``tests`` = ``SERVER_TESTS`` the servers those tests start run the mutant (they
    inherit its environment); a kill must then hold in two runs, as such tests race on
    purpose."""
    figures = _current_record(variant)
    key = "survivors_run_afresh" if tests == SHARED_SUITE else SURVIVORS_KILLED_BY_SERVER_TESTS
    with _mutmut_copy(variant, figures, None, children, keep) as scratch:
        for url in dict.fromkeys([None, database_url]):
            killed = {s["mutant"] for s in figures["survivors"]}
            for _ in range(1 if tests == SHARED_SUITE else 2):
                if killed:
                    found = fresh_pass(scratch, variant, url, sorted(killed), children, tests=tests)
                    killed = {mutant for mutant, status in found.items() if status == KILLED}
            figures = _survivors_moved(figures, killed, KILLED)
            figures[key] = figures.get(key, 0) + len(killed)
    return figures


def own_tests_on_survivors(
    variant: str, database_url: str | None, children: int, keep: bool
) -> dict[str, Any]:
    """The record's survivors and declared equivalents run under the variant's own tests,
    twice (a kill must hold in both: the fault tests wait on real timeouts). The shared suite
    reaches these mutants but lets them live; a test of the variant's own may still pin them
    (a fault it injects, a recovery it waits for, a guard no request can reach), and its kills
    count as killed by own tests. A declared equivalent killed so was not equivalent: it is
    counted killed and listed stale, for the file's review."""
    figures = _current_record(variant)
    tests = OWN_TESTS[variant]
    if not tests:
        raise SystemExit(f"{variant} has no tests of its own")
    survivors = {s["mutant"] for s in figures["survivors"]}
    declared = _declared_equivalents(figures, variant)
    killed = survivors | declared
    with _scratch(variant, keep) as scratch:
        for _ in range(2):
            if killed:
                run_mutmut(
                    scratch, variant, database_url, children, mutants=sorted(killed), tests=tests
                )
                found = _statuses_in(scratch, variant)
                killed = {mutant for mutant in killed if found.get(mutant) == KILLED}
    figures = survivors_killed_by_own_tests(figures, killed & survivors)
    figures = equivalents_killed_by_own_tests(figures, killed & declared)
    database = _database(database_url)
    if database not in figures["database"]:  # the shared suite did not run there
        figures["database"] += f" (own tests on {database} too)"
    return figures


def _declared_equivalents(figures: Mapping[str, Any], variant: str) -> set[str]:
    """The mutants the equivalents file declares and the record counts equivalent."""
    declared = {e.mutant for e in load_equivalents(EQUIVALENTS.read_text(), variant)}
    return declared - set(figures.get("stale_equivalents", []))


def survivors_killed_by_own_tests(figures: Mapping[str, Any], killed: set[str]) -> dict[str, Any]:
    """A record with the survivors its variant's own tests ``killed`` counted so."""
    moved = _survivors_moved(figures, killed, KILLED_OWN)
    before = figures.get(SURVIVORS_KILLED_BY_OWN_TESTS, 0)
    return {
        **moved,
        "own_tests": list(OWN_TESTS[figures["variant"]]),
        SURVIVORS_KILLED_BY_OWN_TESTS: before + len(figures["survivors"]) - len(moved["survivors"]),
    }


def equivalents_killed_by_own_tests(figures: Mapping[str, Any], killed: set[str]) -> dict[str, Any]:
    """A record with the declared equivalents its variant's own tests ``killed`` counted as
    killed by them (reached by the shared suite, like a survivor they kill), and listed stale:
    the file must no longer declare them."""
    counts = dict(figures["counts"])
    counts[EQUIVALENT] -= len(killed)
    counts[KILLED_OWN] = counts.get(KILLED_OWN, 0) + len(killed)
    stale = sorted({*figures.get("stale_equivalents", []), *killed})
    before = figures.get(SURVIVORS_KILLED_BY_OWN_TESTS, 0)
    return {
        **figures,
        "counts": counts,
        "score": scores(counts),
        "stale_equivalents": stale,
        SURVIVORS_KILLED_BY_OWN_TESTS: before + len(killed),
    }


def killed_afresh_on(figures: Mapping[str, Any], killed: set[str]) -> dict[str, Any]:
    """A record's import-time survivors of the fresh pass on SQLite, ``killed`` by a fresh
    pass on PostgreSQL."""
    moved = _survivors_moved(figures, killed, KILLED)
    fresh = dict(figures["import_time_run_afresh"])
    fresh["killed_on_postgresql"] = len(figures["survivors"]) - len(moved["survivors"])
    return {**moved, "import_time_run_afresh": fresh}


def _mutants_in(scratch: Path, variant: str) -> list[str]:
    found: list[str] = []
    for meta in (scratch / "mutants" / "kata" / variant).rglob("*.py.meta"):
        found += json.loads(meta.read_text())["exit_code_by_key"]
    return sorted(found)


def _unreached(scratch: Path, variant: str) -> list[str]:
    mutants = scratch / "mutants"
    stats = json.loads((mutants / "mutmut-stats.json").read_text())
    reached = stats.get("tests_by_mangled_function_name", {})
    return [m for m in _mutants_in(scratch, variant) if not reached.get(function_of(m))]


def _recorded(variant: str) -> dict[str, Any]:
    figures: dict[str, Any] = json.loads((RESULTS / f"mutation-{variant}.json").read_text())
    return figures


def _current_record(variant: str) -> dict[str, Any]:
    """The variant's record, refused if the variant's code changed since its commit (its
    mutants would not be the ones a new copy makes)."""
    figures = _recorded(variant)
    changed = _git("diff", "--name-only", figures["commit"], "--", f"kata/{variant}").split()
    if any(name.endswith(".py") for name in changed):
        raise SystemExit(f"{variant} changed since {figures['commit'][:10]}: run it anew")
    return figures


@contextlib.contextmanager
def _mutmut_copy(
    variant: str, figures: Mapping[str, Any], database_url: str | None, children: int, keep: bool
) -> Iterator[Path]:
    """A scratch copy holding mutmut's mutants and its map of which tests reach which
    function on that database: a run of one mutant (any the record names) makes both, far
    cheaper than a run of all."""
    with _scratch(variant, keep) as scratch:
        run_mutmut(scratch, variant, database_url, children, mutants=[_named_mutant(figures)])
        yield scratch


def _named_mutant(figures: Mapping[str, Any]) -> str:
    """A mutant of the record's variant: its first survivor, else its first declared
    equivalent (a record with neither has no mutant left to judge again)."""
    if figures["survivors"]:
        return str(figures["survivors"][0]["mutant"])
    declared = load_equivalents(EQUIVALENTS.read_text(), figures["variant"])
    if not declared:
        raise SystemExit(f"the record of {figures['variant']} names no mutant to start from")
    return declared[0].mutant


def recheck(
    variant: str, database_url: str, children: int, keep: bool, equivalents: list[Equivalent]
) -> dict[str, Any]:
    """The variant's record, with its survivors and equivalents run again on ``database_url``
    (see the module's docstring): twice, so that a kill a timing-bound case made once by
    chance does not count."""
    figures = _current_record(variant)
    database = _database(database_url)
    if database in figures["database"]:
        raise SystemExit(f"the record of {variant} already holds a run on {database}")
    stale = set(figures["stale_equivalents"])
    equivalent = [e.mutant for e in equivalents if e.mutant not in stale]
    killed = {s["mutant"] for s in figures["survivors"]} | set(equivalent)
    with _scratch(variant, keep) as scratch:
        for _ in range(2):
            if killed:
                run_mutmut(scratch, variant, database_url, children, mutants=sorted(killed))
                found = _statuses_in(scratch, variant)
                killed = {mutant for mutant in killed if found.get(mutant) == KILLED}
        (scratch / DATABASE_MARK).write_text(database)
    return rechecked(figures, killed, database, equivalent)


@contextlib.contextmanager
def _scratch(variant: str, keep: bool) -> Iterator[Path]:
    """A scratch copy of the worktree with the variant's decorated functions undecorated."""
    scratch = Path(tempfile.mkdtemp(prefix=f"mutation-{variant}-"))
    try:
        scratch_copy(scratch)
        undecorate(scratch, variant)
        yield scratch
    finally:
        if keep:
            print(f"scratch copy kept: {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def run_afresh(
    scratch: Path,
    variant: str,
    database_url: str | None,
    children: int,
    equivalents: list[Equivalent],
) -> None:
    """The fresh pass over the import-time mutants of the run kept in ``scratch``."""
    found = collect([scratch], variant, equivalents).status_by_mutant
    at_import = sorted(mutant for mutant, status in found.items() if status == IMPORT_TIME)
    if at_import:
        fresh_pass(scratch, variant, database_url, at_import, children)


def _run(
    variant: str, database_url: str | None, children: int, keep: bool, equivalents: list[Equivalent]
) -> Outcome:
    with _scratch(variant, keep) as scratch:
        run_mutmut(scratch, variant, database_url, children)
        (scratch / DATABASE_MARK).write_text(_database(database_url))
        run_afresh(scratch, variant, database_url, children, equivalents)
        found = _statuses_in(scratch, variant)
        unreached = sorted(mutant for mutant, status in found.items() if status == NOT_REACHED)
        if not (unreached and OWN_TESTS[variant]):
            return collect([scratch], variant, equivalents)
        with _scratch(variant, keep) as second:
            tests = OWN_TESTS[variant]
            run_mutmut(second, variant, database_url, children, mutants=unreached, tests=tests)
            (second / DATABASE_MARK).write_text(_database(database_url))
            (second / OWN_TESTS_MARK).write_text(" ".join(tests))
            return collect([scratch, second], variant, equivalents)


def _database(database_url: str | None) -> str:
    return "PostgreSQL" if database_url else "SQLite"


def _marked_database(scratch: Path) -> str:
    mark = scratch / DATABASE_MARK
    if not mark.is_file():
        raise SystemExit(f"{scratch}: no {DATABASE_MARK} (is it a copy kept by --keep?)")
    return mark.read_text().strip()


def _uncommitted_changes() -> bool:
    return bool(_git("status", "--porcelain", "--untracked-files=no"))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()


def pruned_record(variant: str) -> dict[str, Any]:
    """The record's stale equivalents taken out of the equivalents file (written back), and
    the record counted again against the file as it is now (as ``--reclassify``)."""
    recorded = _recorded(variant)
    stale = recorded.get("stale_equivalents", [])
    EQUIVALENTS.write_text(pruned(EQUIVALENTS.read_text(), variant, stale))
    equivalents = load_equivalents(EQUIVALENTS.read_text(), variant)
    return reclassified(recorded, [e.mutant for e in equivalents])


def _full_run(args: argparse.Namespace, equivalents: list[Equivalent]) -> dict[str, Any]:
    """A whole run, or kept copies of runs read again (``--reread``)."""
    if not args.reread:
        outcome = _run(args.variant, args.database_url, args.max_children, args.keep, equivalents)
        return figures_of(args.variant, _database(args.database_url), outcome)
    if args.fresh:
        first = args.reread[0]
        url = args.database_url if _marked_database(first) == "PostgreSQL" else None
        run_afresh(first, args.variant, url, args.max_children, equivalents)
    marked = dict.fromkeys(_marked_database(scratch) for scratch in args.reread)
    outcome = collect(args.reread, args.variant, equivalents)
    return figures_of(args.variant, " and ".join(marked), outcome)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variant", choices=sorted(BUSINESS_CODE))
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (default: SQLite)")
    parser.add_argument(
        "--record", action="store_true", help=f"write {RESULTS.name}/mutation-VARIANT.json"
    )
    parser.add_argument("--max-children", type=int, default=2, help="mutmut's workers (default 2)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch copy and print its path"
    )
    parser.add_argument(
        "--reread",
        metavar="DIR",
        type=Path,
        nargs="+",
        help="report kept scratch copies again, no run (several: runs on several databases)",
    )
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="run only the record's survivors and equivalents, on --database-url (see above)",
    )
    parser.add_argument(
        "--reclassify",
        action="store_true",
        help="no run: the record's survivors now declared equivalent count as equivalent",
    )
    parser.add_argument(
        "--prune",
        action="store_true",
        help="no run: the record's stale equivalents leave the equivalents file (then as "
        "--reclassify)",
    )
    parser.add_argument(
        "--own-tests",
        action="store_true",
        help="the second pass alone, for a record made without it",
    )
    parser.add_argument(
        "--server-tests",
        action="store_true",
        help=f"with --fresh-survivors: under {' and '.join(SERVER_TESTS)} instead of the suite",
    )
    parser.add_argument(
        "--again",
        action="store_true",
        help="with --own-tests: run the second pass anew (e.g. with KATA_TEST_AMQP_URL set)",
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="with --own-tests: the record's survivors and declared equivalents, under the "
        "variant's own tests",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="run import-time mutants afresh: the first copy's with --reread, else the record's",
    )
    parser.add_argument(
        "--fresh-survivors",
        action="store_true",
        help="run the record's survivors afresh under the whole suite (see survivors_run_afresh)",
    )
    args = parser.parse_args(argv)
    equivalents = load_equivalents(EQUIVALENTS.read_text(), args.variant)
    if args.fresh_survivors:
        tests = SERVER_TESTS if args.server_tests else SHARED_SUITE
        figures = survivors_run_afresh(
            args.variant, args.database_url, args.max_children, args.keep, tests=tests
        )
    elif args.fresh and not args.reread:
        figures = fresh_pass_on_record(
            args.variant, args.database_url, args.max_children, args.keep
        )
    elif args.own_tests and args.survivors:
        figures = own_tests_on_survivors(
            args.variant, args.database_url, args.max_children, args.keep
        )
    elif args.own_tests:
        figures = own_tests_pass(
            args.variant, args.database_url, args.max_children, args.keep, again=args.again
        )
    elif args.prune:
        figures = pruned_record(args.variant)
    elif args.reclassify:
        figures = reclassified(_recorded(args.variant), [e.mutant for e in equivalents])
    elif args.recheck:
        if not args.database_url:
            parser.error("--recheck needs --database-url (the record's run is on SQLite)")
        figures = recheck(
            args.variant, args.database_url, args.max_children, args.keep, equivalents
        )
    else:
        figures = _full_run(args, equivalents)
    print(report(figures))
    if args.record:
        print(f"recorded: {record(figures).relative_to(REPO)}")


if __name__ == "__main__":
    main()
