"""Every reference solution, applied to a clean copy of the repository and tested there.

Each exercise may hold ``solutions/<variant>.patch``, a ``git diff`` from the repository
root. For each, the repository's files (those git tracks or would track) are copied to a
temporary folder, the patch is applied with ``git apply``, and there run: the exercise's
tests for that variant, the shared acceptance suite for that variant on SQLite, and
``lint-imports``. So no solution rots when the code moves on. (A patch that changes no Python
code runs the exercise's tests only: the suite and the contracts ran on that code already.)

The patches of one exercise that each touch only their own variant's folder are applied to
one copy together and tested in one pytest run (variants never import each other, so they
cannot disturb one another): one start-up instead of four. The batches run side by side, one
per core, each in its own copy.

:func:`change_costs` reads the patches alone: files touched and lines added and removed,
per exercise and variant, the figures ``kata compare`` reports.

    python -m kata.workshop.verify [NN ...]      verify the solutions (of exercises NN)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kata import terminal, variants
from kata.workshop import exercises

# Settings that would send the copy's tests elsewhere than SQLite and the copy itself.
_ISOLATING_ENV = (
    "KATA_TEST_POSTGRES_URL",
    "KATA_TEST_AMQP_URL",
    "KATA_DATABASE_URL",
    variants.WORKSHOP_ENV,
)
_FAILED_OUTPUT_LINES = 80
_HUNK = re.compile(r"^@@ -\d+(?:,(?P<old>\d+))? \+\d+(?:,(?P<new>\d+))? @@")


# --- what a solution costs ----------------------------------------------------------------


@dataclass(frozen=True)
class ChangeCost:
    """What a patch touches: the files, and the lines it adds and removes."""

    files: tuple[str, ...]
    added: int
    removed: int

    def __str__(self) -> str:
        count = len(self.files)
        return f"{count} file{'s' if count != 1 else ''} +{self.added} -{self.removed}"


def change_cost(patch_text: str) -> ChangeCost:
    """Files, added and removed lines of a ``git diff``, counted hunk by hunk."""
    files: list[str] = []
    added = removed = 0
    old_left = new_left = 0  # lines of the current hunk still to read
    for line in patch_text.splitlines():
        if old_left or new_left:
            sign = line[:1]
            if sign == "+":
                added, new_left = added + 1, new_left - 1
            elif sign == "-":
                removed, old_left = removed + 1, old_left - 1
            elif sign != "\\":  # context (or a blank context line); "\ No newline" is neither
                old_left, new_left = old_left - 1, new_left - 1
        elif line.startswith("diff --git "):
            files.append(line.split(" b/", 1)[1])
        elif hunk := _HUNK.match(line):
            old_left, new_left = int(hunk["old"] or 1), int(hunk["new"] or 1)
    return ChangeCost(tuple(files), added, removed)


@dataclass(frozen=True)
class Solution:
    """One exercise's reference solution for one variant."""

    exercise: exercises.Exercise
    variant: str
    patch: Path

    @property
    def cost(self) -> ChangeCost:
        return change_cost(self.patch.read_text("utf-8"))

    @property
    def changes_code(self) -> bool:
        return any(name.endswith(".py") for name in self.cost.files)

    @property
    def stays_in_its_variant(self) -> bool:
        return all(name.startswith(f"kata/{self.variant}/") for name in self.cost.files)


def solutions(root: Path = exercises.EXERCISES_DIR, numbers: Iterable[str] = ()) -> list[Solution]:
    """Every reference solution under ``root`` (of the exercises ``numbers``, if given)."""
    wanted = {exercises.number_of(number) for number in numbers}
    return [
        Solution(exercise, variant, patch)
        for exercise in exercises.all_exercises(root)
        if not wanted or exercise.number in wanted
        for variant, patch in exercise.solutions().items()
    ]


def change_costs(root: Path = exercises.EXERCISES_DIR) -> dict[tuple[str, str], ChangeCost]:
    """(exercise number, variant) -> what its reference solution touches."""
    return {(s.exercise.number, s.variant): s.cost for s in solutions(root)}


def cost_table(found: Sequence[Solution]) -> str:
    """The change cost of each solution: one row per variant, one column per exercise named
    by its number, the numbers' titles below (a legend keeps the table narrow), fitted to
    the terminal's width (:func:`kata.terminal.table`)."""
    titles = {s.exercise.number: s.exercise.title for s in found}
    costs = {(s.exercise.number, s.variant): str(s.cost) for s in found}
    rows = [
        [name, *(costs.get((number, name), "-") for number in titles)] for name in variants.names()
    ]
    legend = [
        terminal.wrap(f"{number}  {title}", indent="    ") for number, title in titles.items()
    ]
    return "\n".join([terminal.table(["variant", *titles], rows), "", *legend])


# --- applying and testing ---------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """Solutions of one exercise verified in one copy of the repository."""

    exercise: exercises.Exercise
    solutions: tuple[Solution, ...]

    @property
    def variants(self) -> list[str]:
        return [solution.variant for solution in self.solutions]


def batches(found: Sequence[Solution]) -> list[Batch]:
    """Per exercise, one batch of the solutions that stay in their variant's folder, and one
    batch for each solution that reaches beyond it (it could disturb the others)."""
    planned: list[Batch] = []
    for number in dict.fromkeys(solution.exercise.number for solution in found):
        own = [s for s in found if s.exercise.number == number]
        together = tuple(s for s in own if s.stays_in_its_variant)
        if together:
            planned.append(Batch(together[0].exercise, together))
        planned += [Batch(s.exercise, (s,)) for s in own if not s.stays_in_its_variant]
    return planned


@dataclass(frozen=True)
class StepResult:
    title: str
    returncode: int
    seconds: float
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def copy_repository(source: Path, target: Path) -> None:
    """Copy the files git tracks, or would track (untracked but not ignored), to ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=source,
        capture_output=True,
        check=True,
    ).stdout.decode()
    packages: set[str] = set()
    for name in filter(None, listed.split("\0")):
        origin = source / name
        if origin.is_file():  # a tracked file deleted in the working tree is not copied
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            # A symbolic link stays one (kata/openapi.yaml names docs/openapi.yaml, which a
            # solution may change).
            shutil.copy2(origin, target / name, follow_symlinks=False)
            if name.endswith(".py"):
                packages.add(str(Path(name).parent))
    for package in packages:
        _copy_bytecode(source / package / "__pycache__", target / package / "__pycache__")


def _copy_bytecode(origin: Path, target: Path) -> None:
    """The compiled modules (and pytest's rewritten tests) of a folder, if any: each batch's
    processes start without compiling them again. A cached file records its source's time and
    size (kept by ``copy2``), so the files a solution changes are compiled afresh."""
    if origin.is_dir() and not target.exists():
        shutil.copytree(origin, target)


def steps(batch: Batch, copy: Path) -> list[tuple[str, list[str]]]:
    """The commands that verify ``batch`` in ``copy``: (title, command)."""
    python = sys.executable
    chosen = [option for name in batch.variants for option in ("--variant", name)]
    code = any(solution.changes_code for solution in batch.solutions)
    suite = ["tests/acceptance"] if code else []
    planned: list[tuple[str, list[str]]] = []
    tests_dir = copy / "exercises" / batch.exercise.folder.name / "tests"
    if tests_dir.is_dir() or code:
        pytest = [python, "-m", "pytest", "--exercise", batch.exercise.number, *suite, *chosen]
        title = "exercise tests" + (" + shared suite (SQLite)" if code else "")
        # Serial: the batches run side by side instead (see main). The cases' SQLite files go
        # inside the copy, and are removed with it.
        planned.append((title, [*pytest, "-q", f"--basetemp={copy / '.pytest'}"]))
    if code:
        linter = Path(python).with_name("lint-imports")
        planned.append(("import contracts", [str(linter), "--no-cache"]))
    return planned


def verify(batch: Batch, repository: Path = variants.REPO_ROOT) -> list[StepResult]:
    """Apply ``batch``'s patches to a fresh copy of ``repository`` and run its steps there."""
    with tempfile.TemporaryDirectory(prefix="kata-verify-") as folder:
        copy = Path(folder)
        copy_repository(repository, copy)
        applied = _apply(batch, copy)
        if not applied.ok:
            return [applied]
        return [_run(title, command, copy) for title, command in steps(batch, copy)]


def _apply(batch: Batch, copy: Path) -> StepResult:
    # An empty patch says the variant needs no change for this exercise: nothing to apply.
    patches = [str(s.patch) for s in batch.solutions if s.patch.read_text("utf-8").strip()]
    if not patches:
        return StepResult("git apply", 0, 0.0, "no changes to apply")
    return _run("git apply", ["git", "apply", "--whitespace=nowarn", *patches], copy)


def _run(title: str, command: list[str], cwd: Path) -> StepResult:
    environment = {k: v for k, v in os.environ.items() if k not in _ISOLATING_ENV}
    environment["PYTHONPATH"] = str(cwd)  # the copy's kata, not the installed one
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    return StepResult(title, done.returncode, seconds, done.stdout + done.stderr)


# --- the command ------------------------------------------------------------------------


def main(argv: Sequence[str]) -> int:
    found = solutions(numbers=argv)
    if not found:
        print("verify: no reference solutions found")
        return 0
    print("change cost of the reference solutions (files touched, lines added and removed):")
    print(cost_table(found), flush=True)
    started = time.perf_counter()
    planned = batches(found)
    # One batch per core, each in its own copy and its own serial pytest: no batch waits for
    # another, and no xdist workers start per batch. The largest start first.
    planned.sort(key=lambda batch: -len(batch.solutions))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        reports = pool.map(_verify_and_report, planned)
        failures = sum(not ok for ok in _printed(reports))
    seconds = time.perf_counter() - started
    outcome = "all verified" if not failures else f"{failures} batch(es) FAILED"
    print(f"\nverify: {len(found)} solution(s): {outcome} in {seconds:.1f} s", flush=True)
    return 1 if failures else 0


def _printed(reports: Iterable[tuple[bool, str]]) -> Iterator[bool]:
    """Print each batch's report whole, as it comes (so batches' lines never interleave)."""
    for ok, report in reports:
        print(report, flush=True)
        yield ok


def _verify_and_report(batch: Batch) -> tuple[bool, str]:
    lines = [f"\n{batch.exercise.number} {batch.exercise.title}: {', '.join(batch.variants)}"]
    results = verify(batch)
    for result in results:
        outcome = "ok" if result.ok else "FAILED"
        lines.append(f"  {result.title}: {outcome} in {result.seconds:.1f} s")
        if not result.ok:
            lines.append(_tail(result.output))
    return all(result.ok for result in results), "\n".join(lines)


def _tail(output: str) -> str:
    lines = output.splitlines()[-_FAILED_OUTPUT_LINES:]
    return "\n".join(f"    | {line}" for line in lines)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
