"""Every command line the docs show works as written, from the quick start.

The quick start makes ``.venv`` and activates it, so the docs type ``kata`` and ``pytest``
bare. These tests gather the command lines of the docs (lines of fenced blocks, and inline
code spans, that start with ``kata``, ``pytest``, ``.venv/bin/…``, ``python3 dev.py`` or
``python -m``) and check each: a ``kata`` line parses with the real command-line parser; a
``pytest`` line names paths that exist and options pytest knows; ``dev.py`` and ``-m``
name things that exist. The cheap ones (listing, showing, help) run for real, as typed, on
a PATH that starts with the virtual environment's ``bin`` (what activating it does).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from functools import cache
from importlib.util import find_spec
from io import StringIO
from pathlib import Path

import pytest

from kata import variants
from kata.cli import _parser

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
_FENCE = re.compile(r"```(?:sh|bash|console)?\n(.*?)```", re.DOTALL)
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_PROGRAMS = ("kata", "pytest", ".venv/bin/kata", ".venv/bin/pytest", "python3 dev.py", "python -m")
_ENVIRONMENT = re.compile(r"^(?:[A-Z_]+=\S+\s+)+")  # KATA_TEST_POSTGRES_URL=… before a command
# Names the docs use for a participant's workspace or for "any variant": parsed as a built-in.
_PLACEHOLDERS = {"mine", "ws", "VARIANT", "NAME", "W"}
# Commands that run in a second and change nothing: run for real.
_CHEAP = re.compile(r"kata (variants|exercise list|exercise show \d+|--help)\b")


def doc_files() -> list[Path]:
    found = [REPO / "README.md", REPO / "CONTRIBUTING.md", REPO / "exercises" / "README.md"]
    found += sorted((REPO / "docs").rglob("*.md"))
    found += sorted((REPO / "exercises").glob("*/README.md"))
    found += sorted((REPO / "kata").glob("*/README.md"))
    return [path for path in dict.fromkeys(found) if path.exists()]


def command_lines(text: str) -> Iterator[str]:
    """The command lines of one document: fenced lines and inline spans that start with a
    program the docs run; comments, continuation lines and usage synopses left out."""
    candidates = [line for block in _FENCE.findall(text) for line in block.splitlines()]
    candidates += _INLINE.findall(_FENCE.sub("", text))
    for candidate in candidates:
        line = _ENVIRONMENT.sub("", candidate.strip().removeprefix("$ ")).split(" #")[0].strip()
        synopsis = any(mark in line for mark in "[]<>…|")
        if line.startswith(_PROGRAMS) and not synopsis and not line.endswith("\\"):
            yield line


@cache
def documented() -> list[tuple[str, str]]:
    """(document, command line) for every command line of the docs, each once."""
    found = {
        (str(path.relative_to(REPO)), line)
        for path in doc_files()
        for line in command_lines(path.read_text(encoding="utf-8"))
    }
    return sorted(found)


def _of(program: str) -> list[tuple[str, str]]:
    return [(doc, line) for doc, line in documented() if _program(line) == program]


def _program(line: str) -> str:
    word = line.split(maxsplit=1)[0].removeprefix(".venv/bin/")
    return "dev.py" if line.startswith("python3 dev.py") else word


def test_the_quick_start_activates_the_environment_the_docs_type_commands_in() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]

    assert ". .venv/bin/activate" in quick_start


def test_the_docs_show_commands_of_every_kind() -> None:
    kinds = {_program(line) for _, line in documented()}

    assert {"kata", "pytest", "dev.py", "python"} <= kinds


@pytest.mark.parametrize(("doc", "line"), _of("kata"))
def test_each_kata_command_line_parses(doc: str, line: str) -> None:
    words = [variants.names()[0] if w in _PLACEHOLDERS else w for w in shlex.split(line)[1:]]
    if words and _added_by_a_solution(words[0]):
        return  # a command the participant writes in an exercise (03: `kata expire`)
    refusal = _refusal(words)
    if "arguments are required" in refusal:
        # Prose naming a command (`kata serve`) without its arguments: the command exists.
        refusal = _refusal([*words, "--help"])
    assert not refusal, f"{doc}: `{line}` is refused: {refusal}"


def _refusal(words: list[str]) -> str:
    """What the parser says against these arguments; empty if it takes them."""
    said = StringIO()
    try:
        with redirect_stderr(said), redirect_stdout(StringIO()):
            _parser().parse_args(words)
    except SystemExit as end:
        return "" if end.code == 0 else said.getvalue().strip()
    return ""


def _added_by_a_solution(command: str) -> bool:
    """Is ``command`` a sub-command that a reference solution adds to ``kata/cli.py``?"""
    patches = (REPO / "exercises").glob("*/solutions/*.patch")
    return any(f'"{command}"' in patch.read_text(encoding="utf-8") for patch in patches)


@pytest.mark.parametrize(("doc", "line"), _of("pytest"))
def test_each_pytest_command_line_names_real_paths_and_options(doc: str, line: str) -> None:
    words = shlex.split(line)[1:]
    options = {word.split("=")[0] for word in words if word.startswith("--")}
    paths = [w for w in words if "/" in w and not w.startswith(("-", "http")) and "::" not in w]

    assert options <= _pytest_options(), f"{doc}: `{line}`"
    assert all((REPO / path).exists() for path in paths), f"{doc}: `{line}`"


@pytest.mark.parametrize(("doc", "line"), _of("dev.py") + _of("python"))
def test_each_dev_and_module_command_names_something_that_exists(doc: str, line: str) -> None:
    words = shlex.split(line)
    if words[0] == "python3":
        assert words[2] in {"serve", "check", "setup"}, f"{doc}: `{line}`"
    else:
        assert find_spec(words[2]) is not None, f"{doc}: `{line}`"


@pytest.mark.parametrize(
    ("doc", "line"), [(doc, line) for doc, line in _of("kata") if _CHEAP.match(line)]
)
def test_the_cheap_kata_commands_run_as_typed_on_the_activated_path(doc: str, line: str) -> None:
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}

    ran = subprocess.run(
        line, shell=True, cwd=REPO, env=environment, capture_output=True, text=True, check=False
    )

    assert ran.returncode == 0, f"{doc}: `{line}`: {ran.stderr.strip()}"
    assert ran.stdout.strip()


@cache
def _pytest_options() -> set[str]:
    """Every long option pytest (with this repository's plugins) accepts."""
    shown = subprocess.run(
        [sys.executable, "-m", "pytest", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(re.findall(r"(--[a-z][a-z0-9-]*)", shown))
