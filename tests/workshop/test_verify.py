"""Solution verification: what a patch costs, how solutions are batched, and that every
reference solution still applies to the code as it is (the full run is ``dev.py check``'s
"exercise solutions" step: ``python -m kata.workshop.verify``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kata import variants
from kata.workshop import exercises, verify

PATCH = """\
diff --git a/kata/x/a.py b/kata/x/a.py
index 1111111..2222222 100644
--- a/kata/x/a.py
+++ b/kata/x/a.py
@@ -1,4 +1,5 @@
 import json
--- a removed line that looks like a header
+++ an added line that looks like a header
+import logging

 value = 1
@@ -10 +11 @@ def f():
-    return 1
+    return 2
diff --git a/kata/x/new.py b/kata/x/new.py
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/kata/x/new.py
@@ -0,0 +1,2 @@
+one = 1
+two = 2
\\ No newline at end of file
"""


def test_a_patch_costs_its_files_and_the_lines_it_adds_and_removes() -> None:
    cost = verify.change_cost(PATCH)

    assert cost == verify.ChangeCost(("kata/x/a.py", "kata/x/new.py"), added=5, removed=2)
    assert str(cost) == "2 files +5 -2"


@pytest.mark.parametrize("solution", verify.solutions(), ids=lambda s: s.patch.name)
def test_the_cost_of_each_solution_agrees_with_git(solution: verify.Solution) -> None:
    numstat = subprocess.run(
        ["git", "apply", "--numstat", "--allow-empty", str(solution.patch)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    added, removed, files = numstat[0::3], numstat[1::3], numstat[2::3]

    cost = solution.cost
    assert (cost.files, cost.added, cost.removed) == (
        tuple(files),
        sum(map(int, added)),
        sum(map(int, removed)),
    )


def test_change_costs_has_a_row_per_exercise_and_variant() -> None:
    costs = verify.change_costs()

    assert {variant for number, variant in costs if number == "06"} == set(variants.names())
    assert costs["06", "hexagonal"].files == ("kata/hexagonal/application/services/ordering.py",)


def _solution(
    exercise: exercises.Exercise, variant: str, files: list[str], tmp: Path
) -> verify.Solution:
    patch = tmp / f"{variant}-{len(files)}.patch"
    patch.write_text("".join(f"diff --git a/{name} b/{name}\n" for name in files), "utf-8")
    return verify.Solution(exercise, variant, patch)


def test_solutions_that_stay_in_their_variant_share_one_copy(tmp_path: Path) -> None:
    exercise = exercises.find("06")
    own = [
        _solution(exercise, v, [f"kata/{v}/app.py"], tmp_path) for v in ("aggregate", "hexagonal")
    ]
    wide = _solution(
        exercise, "domain_model", ["kata/domain_model/app.py", "docs/openapi.yaml"], tmp_path
    )

    planned = verify.batches([own[0], wide, own[1]])

    assert [batch.variants for batch in planned] == [["aggregate", "hexagonal"], ["domain_model"]]


def test_a_solution_without_code_runs_only_the_exercise_tests(tmp_path: Path) -> None:
    exercise = exercises.find("06")
    answers = _solution(
        exercise, "aggregate", ["exercises/06-break-a-contract/answers.md"], tmp_path
    )
    code = _solution(exercise, "hexagonal", ["kata/hexagonal/app.py"], tmp_path)
    (tmp_path / "exercises" / exercise.folder.name / "tests").mkdir(parents=True)

    quiet = verify.steps(verify.Batch(exercise, (answers,)), tmp_path)
    full = verify.steps(verify.Batch(exercise, (code,)), tmp_path)

    assert [title for title, _ in quiet] == ["exercise tests"]
    assert "tests/acceptance" not in quiet[0][1]
    assert [title for title, _ in full] == [
        "exercise tests + shared suite (SQLite)",
        "import contracts",
    ]
    assert full[0][1][:6] == [
        sys.executable,
        "-m",
        "pytest",
        "--exercise",
        "06",
        "tests/acceptance",
    ]


@pytest.fixture(scope="module")
def clean_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("clean-copy")
    verify.copy_repository(variants.REPO_ROOT, copy)
    return copy


def test_the_clean_copy_holds_the_repository_s_files_and_nothing_ignored(clean_copy: Path) -> None:
    assert (clean_copy / "kata" / "variants.py").is_file()
    assert (clean_copy / ".importlinter").is_file()
    assert not (clean_copy / ".venv").exists()
    assert not list(clean_copy.rglob("*.sqlite3"))
    # Ignored files but one kind: the bytecode of copied modules, which their processes reuse.
    for cache in clean_copy.rglob("__pycache__"):
        assert list(cache.parent.glob("*.py")), cache
        assert all(name.suffix == ".pyc" for name in cache.iterdir()), cache


# An empty patch says the variant needs no change for that exercise: nothing to apply.
CHANGING_SOLUTIONS = [s for s in verify.solutions() if s.patch.read_text("utf-8").strip()]


@pytest.mark.parametrize(
    "solution", CHANGING_SOLUTIONS, ids=lambda s: f"{s.exercise.number}-{s.variant}"
)
def test_every_reference_solution_applies_to_the_code_as_it_is(
    solution: verify.Solution, clean_copy: Path
) -> None:
    applied = subprocess.run(
        ["git", "apply", "--check", str(solution.patch)],
        cwd=clean_copy,
        capture_output=True,
        text=True,
        check=False,
    )

    assert applied.returncode == 0, f"{solution.patch} no longer applies:\n{applied.stderr}"
