"""``pytest --exercise NN``: an exercise's own tests, collected only when chosen.

The tests of exercise NN live in ``exercises/NN-slug/tests/`` (see
:mod:`kata.workshop.exercises`), outside ``testpaths``: the default run never collects them,
and collecting ``exercises/`` by hand skips every exercise not chosen. With ``--exercise NN``
alone, pytest runs that exercise's tests only; with paths as well (``pytest --exercise 06
tests/acceptance``), it runs both. They take ``--variant`` like the shared suite, whose
``target``/``shop`` fixtures they share (``exercises/conftest.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kata.workshop import exercises


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("kata").addoption(
        "--exercise",
        action="append",
        default=[],
        metavar="NN",
        help="also run the tests of exercise NN (exercises/NN-slug/tests); alone: only them",
    )


def _chosen_folders(config: pytest.Config) -> list[Path]:
    """The test folders of the exercises chosen with ``--exercise``."""
    try:
        chosen = [exercises.find(number) for number in config.getoption("--exercise")]
    except exercises.UnknownExerciseError as unknown:
        raise pytest.UsageError(f"--exercise: {unknown}") from None
    for exercise in chosen:
        if exercise.is_discussion:
            raise pytest.UsageError(
                f"--exercise: exercise {exercise.number} is a discussion, with no tests to run "
                f"(kata exercise show {exercise.number} for its checklist)"
            )
    return [exercise.tests_dir for exercise in chosen]


def pytest_configure(config: pytest.Config) -> None:
    """Add the chosen exercises' test folders to what pytest collects."""
    folders = [str(folder) for folder in _chosen_folders(config)]
    if not folders:
        return
    if config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        config.args[:] = folders  # no paths given: the exercise's tests only
    else:
        config.args += [folder for folder in folders if folder not in config.args]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip the folders of the exercises not chosen with ``--exercise``."""
    root = exercises.EXERCISES_DIR
    if root not in collection_path.parents:
        return None  # not inside exercises/ (or exercises/ itself): pytest decides
    chosen = [tests_dir.parent for tests_dir in _chosen_folders(config)]
    wanted = any(folder in (collection_path, *collection_path.parents) for folder in chosen)
    return None if wanted else True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out an exercise's cases for the variants it says it does not apply to
    (``solutions/<variant>.not-applicable.md``): there is nothing there to test."""
    skipped = [
        (exercise.tests_dir, variant)
        for exercise in map(exercises.find, config.getoption("--exercise"))
        for variant in exercise.not_applicable()
    ]
    dropped = [item for item in items if _variant_and_folders(item) & set(skipped)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


def _variant_and_folders(item: pytest.Item) -> set[tuple[Path, str]]:
    """(folder, variant) for each folder above a case run against a variant."""
    callspec = getattr(item, "callspec", None)  # only parametrized cases have one
    variant = getattr(callspec.params.get("target") if callspec else None, "variant", None)
    return {(folder, variant) for folder in item.path.parents} if variant else set()
