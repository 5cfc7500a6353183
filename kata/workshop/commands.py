"""The workshop's part of the ``kata`` command: ``kata check``, ``kata exercise``, ``kata storm``
and the workspaces in ``kata variants``. What they print fits the terminal's width
(:mod:`kata.terminal`).

kata variants [--built-in]               the variants, then the workspaces
kata check NAME [--style STYLE]          NAME held to a style's import contracts
kata exercise list                       the exercises
kata exercise show NN                    an exercise's README
kata exercise start NN --from VARIANT --name NAME [--style STYLE]
                                         copy a variant into the workspace workshop/NAME
kata exercise check NN --variant NAME    the exercise's tests, the shared suite (SQLite)
                                         and NAME's style contracts (a discussion: nothing)
kata storm [--html FILE]                 the domain as an event-storming board, from the code
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from kata import terminal, variants
from kata.clihelp import with_examples
from kata.compare import testrun
from kata.workshop import exercises, styles, workspace

if TYPE_CHECKING:
    SubCommands = argparse._SubParsersAction[argparse.ArgumentParser]


def add_commands(commands: SubCommands) -> None:
    """Add ``check``, ``exercise`` and ``storm`` to the ``kata`` command's sub-commands."""
    check = commands.add_parser(
        "check",
        help="check a variant against a style's contracts",
        **with_examples("kata check aggregate", "kata check mine --style hexagonal"),
    )
    check.add_argument("name", help="a variant or a workspace")
    check.add_argument("--style", choices=styles.STYLES, help="default: the one NAME is held to")
    exercise = commands.add_parser(
        "exercise",
        help="the workshop's exercises",
        **with_examples("kata exercise list", "kata exercise show 02"),
    )
    actions = exercise.add_subparsers(dest="action", required=True)
    actions.add_parser(
        "list",
        help="list the exercises",
        **with_examples("kata exercise list", "kata exercise list | head"),
    )
    actions.add_parser(
        "show",
        help="print an exercise's README",
        **with_examples("kata exercise show 02", "kata exercise show 06"),
    ).add_argument("number")
    start = actions.add_parser(
        "start",
        help="copy a variant into a workspace of your own",
        **with_examples(
            "kata exercise start 02 --from transaction_script --name mine",
            "kata exercise start 04 --from transaction_script --name model --style domain_model",
        ),
    )
    start.add_argument("number")
    start.add_argument("--from", dest="origin", required=True, choices=variants.names())
    start.add_argument("--name", required=True, help="the workspace's name (an identifier)")
    start.add_argument("--style", choices=styles.STYLES, help="contracts to meet (default: --from)")
    run = actions.add_parser(
        "check",
        help="run an exercise's tests, the suite and the contracts",
        **with_examples(
            "kata exercise check 02 --variant mine", "kata exercise check 04 --variant model"
        ),
    )
    run.add_argument("number")
    run.add_argument("--variant", help="a variant or a workspace (not for a discussion)")
    storm = commands.add_parser(
        "storm",
        help="the ordering domain as an event-storming board, drawn from the code",
        **with_examples("kata storm", "kata storm --html var/storm.html"),
    )
    storm.add_argument(
        "--html", type=Path, metavar="FILE", help="write the board as one page (projector, A3)"
    )


def run(args: argparse.Namespace) -> int:
    """Carry out ``kata check`` or ``kata exercise ...``; the exit code (2: refused)."""
    try:
        return _run(args)
    except (
        variants.UnknownVariantError,
        exercises.UnknownExerciseError,
        workspace.WorkspaceRefusedError,
    ) as refused:
        print(f"kata: {refused}", file=sys.stderr)
    return 2


def _run(args: argparse.Namespace) -> int:
    if args.command == "check":
        return check_contracts(args.name, args.style)
    if args.command == "storm":
        return draw_board(args.html)
    match args.action:
        case "list":
            return list_exercises()
        case "show":
            return show(args.number)
        case "start":
            return start(args.number, args.origin, args.name, args.style)
        case _:
            return check_exercise(args.number, args.variant)


def check_contracts(name: str, style: str | None) -> int:
    """Print every contract of the style KEPT or BROKEN, with reasons; 1 if any is broken."""
    # import-linter is a dev dependency: imported only when checking.
    from kata.workshop import check  # noqa: PLC0415

    chosen = style or variants.style_of(name)
    said = f"kata check: {name} ({variants.package(name)}) against the {chosen} contracts"
    print(terminal.wrap(said) + "\n")
    try:
        verdicts = check.check(name, chosen)
    except check.CheckError as error:
        print(f"kata: {error}", file=sys.stderr)
        return 2
    print(check.report(verdicts), flush=True)
    return 1 if check.broken(verdicts) else 0


def listed_variants(*, built_in_only: bool) -> list[str]:
    """The lines of ``kata variants``: the built-in variants' names, then (unless
    ``built_in_only``) each workspace, marked with its origin and style, wrapped under its
    name on a narrow terminal."""
    lines = variants.names()
    if not built_in_only:
        lines += [
            terminal.wrap(
                f"{space.name}  (workspace: copy of {space.origin}, held to {space.style})",
                indent="    ",
            )
            for space in variants.find_workspaces()
        ]
    return lines


def list_exercises() -> int:
    for exercise in exercises.all_exercises():
        print(f"{exercise.number}  {exercise.title}")
    return 0


def show(number: str) -> int:
    print(exercises.find(number).readme.read_text("utf-8"))
    return 0


def start(number: str, origin: str, name: str, style: str | None) -> int:
    _refuse_a_discussion(number, "copy")
    space = workspace.start(number, origin, name, style)
    folder = variants.workshop_dir() / space.name
    said = (
        f"kata: workspace {space.name} ({_shown(folder)}) copied from {origin} "
        f"for exercise {space.exercise}, held to the {space.style} contracts."
    )
    print(terminal.wrap(said))
    print(
        f"  kata serve {name}\n"
        f"  kata exercise check {space.exercise} --variant {name}\n"
        f"  kata check {name} --style {space.style}"
    )
    return 0


def _shown(folder: Path) -> Path:
    """``folder`` relative to the current directory when inside it (``workshop/mine``)."""
    here = Path.cwd()
    return folder.relative_to(here) if folder.is_relative_to(here) else folder


def check_exercise(number: str, name: str | None) -> int:
    """The exercise's tests and the shared suite on SQLite, then the contracts of NAME's style;
    a discussion has none of them: say so and succeed."""
    exercise = exercises.find(number)
    if exercise.is_discussion:
        print(f"kata: {_discussion(exercise, 'check')}")
        return 0
    if name is None:
        print(f"kata: exercise {exercise.number} is checked on a variant: add --variant NAME",
              file=sys.stderr)  # fmt: skip
        return 2
    if name not in variants.names(workspaces=True):
        raise variants.UnknownVariantError(name)
    print(
        terminal.wrap(f"kata: exercise {exercise.number} ({exercise.title}) on {name}"), flush=True
    )
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "junit.xml"
        command = [*exercise_pytest(exercise.number, [name]), f"--junitxml={junit}"]
        tests = subprocess.call(command, cwd=variants.REPO_ROOT, env=sqlite_only())
        cases = testrun.read_junit(junit)
    contracts = check_contracts(name, None)
    print(totals(exercise.number, name, cases, contracts))
    return 0 if tests == contracts == 0 else 1


def _discussion(exercise: exercises.Exercise, verb: str) -> str:
    return (
        f"exercise {exercise.number} ({exercise.title}) is a discussion: nothing to {verb}; "
        f"read it with kata exercise show {exercise.number}"
    )


def _refuse_a_discussion(number: str, verb: str) -> None:
    exercise = exercises.find(number)
    if exercise.is_discussion:
        raise workspace.WorkspaceRefusedError(_discussion(exercise, verb))


def draw_board(html: Path | None) -> int:
    """``kata storm``: the board as text, or written as one HTML page."""
    # The board reads docs/openapi.yaml with PyYAML, a dependency of the workshop tools only.
    from kata.workshop.storm import collect, sources, text  # noqa: PLC0415
    from kata.workshop.storm import html as page  # noqa: PLC0415

    try:
        board = collect.collect()
    except sources.SourceError as error:
        print(f"kata storm: {error}", file=sys.stderr)
        return 2
    if html is None:
        print(text.render(board), end="")
        return 0
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(page.render(board, html), encoding="utf-8")
    print(f"kata storm: wrote {html} ({len(board.stickies())} stickies)")
    return 0


def totals(number: str, name: str, cases: list[testrun.Case], contracts: int) -> str:
    """The three results apart (the exercise's tests, the shared suite, the contracts) and a
    one-line verdict naming what failed."""
    shared = testrun.summary([c for c in cases if c.module.startswith("tests.acceptance")])
    own = testrun.summary([c for c in cases if not c.module.startswith("tests.acceptance")])
    parts = {
        "the exercise's tests": (own, own.failed == 0 and own.passed > 0),
        "the shared suite": (shared, shared.failed == 0 and shared.passed > 0),
    }
    lines = [f"\nkata: exercise {number} on {name}"]
    lines += [
        f"  {label:22} {result.passed:4} passed {result.failed:4} failed {result.skipped:4} skipped"
        for label, (result, _) in parts.items()
    ]
    lines.append(f"  {'the contracts':22} {'kept' if contracts == 0 else 'BROKEN (see above)'}")
    failed = [label for label, (_, ok) in parts.items() if not ok]
    failed += [] if contracts == 0 else ["the contracts"]
    verdict = "passed" if not failed else "FAILED: " + ", ".join(failed)
    lines.append(terminal.wrap(f"kata: exercise {number} on {name}: {verdict}"))
    return "\n".join(lines)


def exercise_pytest(number: str, names: list[str]) -> list[str]:
    """The pytest command for an exercise's tests and the shared suite on ``names``."""
    chosen = [option for name in names for option in ("--variant", name)]
    return [
        sys.executable,
        *("-m", "pytest", "--exercise", number, "tests/acceptance"),
        *chosen,
        *("-n", "auto", "-q"),
    ]


def sqlite_only() -> dict[str, str]:
    """This process's environment without the settings that add PostgreSQL or RabbitMQ."""
    dropped = {"KATA_TEST_POSTGRES_URL", "KATA_TEST_AMQP_URL"}
    return {key: value for key, value in os.environ.items() if key not in dropped}
