"""Exercise 01, read a cancellation: the answers a participant wrote for one variant, checked
against that variant's code and against a recorded run of the request.

The answers live in ``answers/01.toml`` inside the variant's folder (a workspace's too). No
answer is written down here: each is checked against what the code says (the ``# rule: O7``
markers, the assignment that decides ``refund_due``) or against what the request does when it
runs (the files its path passes through, the stack when the database sees BEGIN and COMMIT).

Run with ``pytest --exercise 01 --variant NAME``. The checks read code and run the request on
SQLite of their own, so they run once per variant: the PostgreSQL case is skipped.
"""

from __future__ import annotations

import ast
import functools
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from sqlalchemy import Engine, event

from kata import variants
from kata.compare.paths import Step, trace
from kata.compare.rules import scan_files
from kata.compare.usecases import USE_CASES, register_products
from tests.acceptance.conftest import Target

ANSWERS = Path("answers") / "01.toml"
README = "exercises/01-read-a-cancellation/README.md"
NEAR = 3  # a place within this many lines of what it names is right
USE_CASE = "cancel"  # kata.compare's "cancel": POST /orders/{id}/cancellation on a PAID order

TEMPLATE = """\
# Exercise 01: cancel a paid order. A place is "path:line", a file is "path", both
# relative to the variant's folder (the one that holds this answers/ folder).

[o7]
places = ["path:line"]    # every line that enforces O7 while this request runs

[refund]
decided = "path:line"     # the line that decides refund_due
files = ["path"]          # every file you would change for "no refund after 30 days"

[path]
count = 0                 # how many of the variant's files the request passes through
files = ["path"]          # which ones

[transaction]
begins = "path:line"      # where the request's database transaction begins
ends = "path:line"        # where it ends (commits)
"""


# --- the answers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    path: str  # relative to the variant's folder
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"

    def near(self, path: str, line: int) -> bool:
        return self.path == path and abs(self.line - line) <= NEAR


@dataclass(frozen=True)
class Answers:
    o7: tuple[Place, ...]
    refund_decided: Place
    refund_files: tuple[str, ...]
    path_count: int
    path_files: tuple[str, ...]
    begins: Place
    ends: Place


def answers(name: str) -> Answers:
    """The answers written for variant ``name``; a clear failure if they are missing or off."""
    file = variants.source_dir(name) / ANSWERS
    if not file.is_file():
        pytest.fail(
            f"No answers for {name} yet. Write them to {file} (see {README}, 'Your answers'),"
            f" in this form:\n\n{TEMPLATE}",
            pytrace=False,
        )
    try:
        data = tomllib.loads(file.read_text("utf-8"))
    except tomllib.TOMLDecodeError as error:
        pytest.fail(f"{file} is not valid TOML: {error}", pytrace=False)
    reader = _Reader(file, data)
    read = Answers(
        o7=reader.places("o7", "places"),
        refund_decided=reader.place("refund", "decided"),
        refund_files=reader.files("refund", "files"),
        path_count=reader.count("path", "count"),
        path_files=reader.files("path", "files"),
        begins=reader.place("transaction", "begins"),
        ends=reader.place("transaction", "ends"),
    )
    if reader.problems:
        problems = "\n".join(f"  - {problem}" for problem in reader.problems)
        pytest.fail(f"{file}:\n{problems}\n\nThe form:\n\n{TEMPLATE}", pytrace=False)
    return read


class _Reader:
    """Reads one answer at a time, collecting every problem instead of stopping at the first."""

    def __init__(self, file: Path, data: dict[str, Any]) -> None:
        self.file = file
        self.data = data
        self.problems: list[str] = []

    def _value(self, table: str, key: str) -> Any:
        section = self.data.get(table)
        if not isinstance(section, dict) or key not in section:
            self.problems.append(f"[{table}] {key} is missing")
            return None
        return section[key]

    def place(self, table: str, key: str) -> Place:
        value = self._value(table, key)
        return Place("", 0) if value is None else self._place(f"[{table}] {key}", value)

    def places(self, table: str, key: str) -> tuple[Place, ...]:
        value = self._value(table, key)
        if value is None:
            return ()
        if not isinstance(value, list) or not value:
            self.problems.append(f'[{table}] {key} must be a list of "path:line": {value!r}')
            return ()
        return tuple(self._place(f"[{table}] {key}", item) for item in value)

    def files(self, table: str, key: str) -> tuple[str, ...]:
        value = self._value(table, key)
        if value is None:
            return ()
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.problems.append(f'[{table}] {key} must be a list of "path": {value!r}')
            return ()
        return tuple(value)

    def count(self, table: str, key: str) -> int:
        value = self._value(table, key)
        if value is not None and (type(value) is not int or value < 1):
            self.problems.append(f"[{table}] {key} must be a whole number, 1 or more: {value!r}")
        return value if type(value) is int else 0

    def _place(self, what: str, value: Any) -> Place:
        path, _, line = str(value).rpartition(":")
        if not isinstance(value, str) or not path or not line.isdigit():
            self.problems.append(f'{what}: {value!r} is not "path:line"')
            return Place("", 0)
        return Place(path, int(line))


# --- what the code says --------------------------------------------------------------------


def source_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def o7_markers(folder: Path) -> list[Place]:
    """Every ``# rule: O7`` marker of the variant (kata.compare.rules finds them)."""
    scan = scan_files(source_files(folder), folder)
    return [_place(marker.where) for marker in scan.markers if "O7" in marker.ids]


def refund_decisions(folder: Path) -> list[Place]:
    """Where the variant decides ``refund_due``: an assignment to ``refund_due`` (a variable,
    an attribute such as ``self._refund_due`` or a keyword argument) of a value worked out
    right there, not copied from another ``refund_due`` and not the constant ``False``."""
    found: list[Place] = []
    for file in source_files(folder):
        tree = ast.parse(file.read_text("utf-8"), str(file))
        path = file.relative_to(folder).as_posix()
        found += [Place(path, line) for line in _decisions(tree)]
    return found


def _decisions(tree: ast.AST) -> Iterator[int]:
    for node in ast.walk(tree):
        pairs: list[tuple[ast.expr, ast.expr | None]] = []
        if isinstance(node, ast.Assign):
            pairs = [(target, node.value) for target in node.targets]
        elif isinstance(node, ast.AnnAssign):
            pairs = [(node.target, node.value)]
        elif isinstance(node, ast.keyword) and node.arg is not None:
            pairs = [(ast.Name(node.arg), node.value)]
        for target, value in pairs:
            if value is not None and _names_refund_due(target) and _decides(value):
                yield value.lineno


def _names_refund_due(target: ast.AST) -> bool:
    name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", "")
    return isinstance(name, str) and name.lstrip("_") == "refund_due"


def _decides(value: ast.AST) -> bool:
    if isinstance(value, ast.Constant) and value.value is False:
        return False
    for node in ast.walk(value):  # a copy names refund_due: row.refund_due, data["refund_due"]
        name = getattr(node, "id", None) or getattr(node, "attr", None)
        text = node.value if isinstance(node, ast.Constant) else name
        if isinstance(text, str) and "refund_due" in text:
            return False
    return True


def _place(where: str) -> Place:
    path, _, line = where.rpartition(":")
    return Place(path, int(line))


# --- what the request does -----------------------------------------------------------------


@dataclass(frozen=True)
class Recording:
    """One run of the request: its path, and the variant's frames when the database began
    and committed a transaction (the outermost frame, the route, left out: it calls it all)."""

    steps: tuple[Step, ...]
    begins: tuple[tuple[Place, ...], ...]
    commits: tuple[tuple[Place, ...], ...]

    @property
    def files(self) -> set[str]:
        return {step.path for step in self.steps}

    def ran(self, place: Place) -> bool:
        """True if ``place`` lies in a function the request ran."""
        return any(
            step.path == place.path
            and step.line <= place.line < step.line + len(step.source.splitlines())
            for step in self.steps
        )


@functools.cache
def recording(name: str) -> Recording:
    """Cancel a paid order of variant ``name`` once, on a SQLite database of its own."""
    folder = variants.source_dir(name).resolve()
    cancel = next(use_case for use_case in USE_CASES if use_case.name == USE_CASE)
    begins: list[tuple[Place, ...]] = []
    commits: list[tuple[Place, ...]] = []
    with tempfile.TemporaryDirectory() as database:
        app = variants.create_app(name, f"sqlite:///{database}/01.sqlite3")
        try:
            client = app.test_client()
            register_products(client)
            request = cancel.prepare(client, 1, 0)
            with _stacks_on("begin", folder, begins), _stacks_on("commit", folder, commits):
                steps = trace(app, request, folder, folder)
        finally:
            variants.close_app(app)
    return Recording(tuple(steps), tuple(begins), tuple(commits))


@contextmanager
def _stacks_on(engine_event: str, folder: Path, stacks: list[tuple[Place, ...]]) -> Iterator[None]:
    """While open, each ``engine_event`` of any engine adds the variant's frames to ``stacks``."""

    def listener(*_: object) -> None:
        stacks.append(_own_frames(sys._getframe(1), folder)[1:])

    event.listen(Engine, engine_event, listener)
    try:
        yield
    finally:
        event.remove(Engine, engine_event, listener)


def _own_frames(frame: FrameType | None, folder: Path) -> tuple[Place, ...]:
    """The frames of code in ``folder``, outermost first, each at the line it is running."""
    own: list[Place] = []
    while frame is not None:
        file = Path(frame.f_code.co_filename)
        if file.is_relative_to(folder):
            own.append(Place(file.relative_to(folder).as_posix(), frame.f_lineno))
        frame = frame.f_back
    return tuple(reversed(own))


# --- the checks ----------------------------------------------------------------------------


def variant_of(target: Target) -> str:
    if target.variant is None:
        pytest.skip("a server known only by its URL: no code to read")
    if target.backend != "sqlite":
        pytest.skip("the answers do not depend on the database: checked once, with SQLite")
    return target.variant


def test_the_answers_are_written_down(target: Target) -> None:
    """answers/01.toml exists in the variant's folder and answers every question in its form."""
    answers(variant_of(target))


def test_every_place_and_file_named_exists(target: Target) -> None:
    """Every "path:line" names a line of a file of the variant, every "path" one of its files."""
    name = variant_of(target)
    given = answers(name)
    folder = variants.source_dir(name)
    places = [*given.o7, given.refund_decided, given.begins, given.ends]
    wrong = [f"{place}: {problem}" for place in places if (problem := _missing(folder, place))]
    for path in {*given.refund_files, *given.path_files}:
        if not _is_source(folder, path):
            wrong.append(f"{path}: no such file in {folder}")
    assert not wrong, "\n".join(wrong)


def test_o7_is_answered_where_the_code_marks_o7(target: Target) -> None:
    """Each [o7] place is within 3 lines of a `# rule: O7` marker of the variant, in a function
    the cancellation runs."""
    name = variant_of(target)
    given = answers(name)
    markers = o7_markers(variants.source_dir(name))
    unmarked = [place for place in given.o7 if not any(place.near(m.path, m.line) for m in markers)]
    assert not unmarked, (
        f"no `# rule: O7` marker within {NEAR} lines of {', '.join(map(str, unmarked))}: "
        "is that where the lifecycle is enforced, or only where it is used?"
    )
    elsewhere = [place for place in given.o7 if not recording(name).ran(place)]
    assert not elsewhere, (
        f"the cancellation runs no function at {', '.join(map(str, elsewhere))}: that place "
        "enforces O7 for another request"
    )


def test_o7_answers_cover_every_o7_check_the_request_runs(target: Target) -> None:
    """Every `# rule: O7` marker in a function the cancellation runs is named by an [o7] place."""
    name = variant_of(target)
    given = answers(name)
    ran = [m for m in o7_markers(variants.source_dir(name)) if recording(name).ran(m)]
    missed = [m for m in ran if not any(place.near(m.path, m.line) for place in given.o7)]
    if missed:  # (pytest.fail: an assert would print the places it misses)
        pytest.fail(
            f"the request runs {len(ran)} place(s) that enforce O7; your [o7] places name "
            f"{len(ran) - len(missed)}. O7 is the lifecycle: which status may become CANCELLED, "
            "and whether a refund is due.",
            pytrace=False,
        )


def test_refund_due_is_decided_at_the_answered_line(target: Target) -> None:
    """[refund] decided is within 3 lines of the assignment that works out refund_due."""
    name = variant_of(target)
    given = answers(name)
    decisions = refund_decisions(variants.source_dir(name))
    assert decisions, f"{name} assigns refund_due nowhere that this test can find"
    assert any(given.refund_decided.near(d.path, d.line) for d in decisions), (
        f"{given.refund_decided} does not decide refund_due: find the line that works out its "
        "value (not one that copies it from a row, a view or a parameter)"
    )


def test_refund_files_include_the_one_that_decides_refund_due(target: Target) -> None:
    """[refund] files names every file whose code decides refund_due."""
    name = variant_of(target)
    given = answers(name)
    deciding = {d.path for d in refund_decisions(variants.source_dir(name))}
    missing = sorted(deciding - set(given.refund_files))
    assert not missing, (
        f"a new refund rule changes the code that decides refund_due, in {', '.join(missing)}"
    )


def test_the_path_names_the_files_the_request_runs_through(target: Target) -> None:
    """[path] files are the files of the variant whose functions the cancellation calls, and
    [path] count is how many there are (the recorded call path of `kata compare`, section 1)."""
    name = variant_of(target)
    given = answers(name)
    recorded = recording(name).files
    extra = sorted(set(given.path_files) - recorded)
    missing = recorded - set(given.path_files)
    assert not extra, f"the request calls no function of {', '.join(extra)}"
    if missing:  # (pytest.fail: an assert would print the files it misses)
        pytest.fail(
            f"the request passes through {len(missing)} more file(s) than [path] files names: "
            "see section 1 of `kata compare --html report.html`",
            pytrace=False,
        )
    assert given.path_count == len(recorded), (
        f"[path] count is {given.path_count}, but [path] files names {len(recorded)} files"
    )


def test_the_transaction_begins_at_the_answered_place(target: Target) -> None:
    """[transaction] begins is within 3 lines of a line the variant was running, below the route,
    when the database began the request's transaction."""
    name = variant_of(target)
    _assert_on_a_stack(answers(name).begins, recording(name).begins, "began")


def test_the_transaction_ends_at_the_answered_place(target: Target) -> None:
    """[transaction] ends is within 3 lines of a line the variant was running, below the route,
    when the database committed the request's transaction."""
    name = variant_of(target)
    _assert_on_a_stack(answers(name).ends, recording(name).commits, "committed")


def _assert_on_a_stack(place: Place, stacks: tuple[tuple[Place, ...], ...], what: str) -> None:
    assert stacks, f"the request never {what} a transaction: was it recorded on SQLite?"
    on_stack = any(place.near(frame.path, frame.line) for stack in stacks for frame in stack)
    assert on_stack, (
        f"when the database {what} the transaction, the variant was not running {place} (nor a "
        f"line within {NEAR} of it). Follow the call from the route down to where a connection, "
        "session or unit of work is opened, and to where it commits."
    )


def _missing(folder: Path, place: Place) -> str:
    if not _is_source(folder, place.path):
        return f"no such file in {folder}"
    lines = len((folder / place.path).read_text("utf-8").splitlines())
    return "" if 1 <= place.line <= lines else f"the file has {lines} lines"


def _is_source(folder: Path, path: str) -> bool:
    file = (folder / path).resolve()
    return file.is_relative_to(folder.resolve()) and file.is_file()
