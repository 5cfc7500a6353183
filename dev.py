#!/usr/bin/env python3
"""Set up and run ordering-kata with nothing but Python 3.11+ installed.

    python3 dev.py serve [VARIANT] [kata serve options]   set up, then serve a variant
    python3 dev.py check                                  set up, then run every gate and test
    python3 dev.py setup                                  only set up

Setting up makes ``.venv`` and installs the project with its dev extras into it; it runs
again only when ``pyproject.toml`` changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import venv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".dev-installed"
DEFAULT_VARIANT = "transaction_script"


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "check", "setup"}:
        print(__doc__)
        return 2
    started = time.perf_counter()
    setup()
    if argv[0] == "serve":
        return serve(argv[1:])
    if argv[0] == "check":
        # Every step starts Python processes (pytest and its workers, each exercise's batch,
        # the servers): they reuse the bytecode the first one wrote. An environment that sets
        # PYTHONDONTWRITEBYTECODE (some CI images do) would make each compile the kata and
        # rewrite the tests' assertions again: 1.7 s of a 6.9 s serial run of the suite.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        return check(argv[1:], setup_seconds=time.perf_counter() - started)
    # The docs type `kata` and `pytest` bare: say how to get them on PATH.
    print(f"dev: ready; to type kata and pytest bare: . {os.path.relpath(BIN / 'activate')}")
    return 0


def setup() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not BIN.exists():
        print("dev: creating .venv", flush=True)
        venv.create(VENV, with_pip=True)
    print("dev: installing ordering-kata[dev] into .venv", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def serve(args: list[str]) -> int:
    if not args or args[0].startswith("-"):
        args = [DEFAULT_VARIANT, *args]
    server = subprocess.Popen([str(BIN / "kata"), "serve", *args], cwd=ROOT)
    # Ctrl-C reaches the server too (one process group): it stops with a line of its own and
    # exits 0. This process only waits for it, so it prints no traceback of its own. (Ignored
    # only after the start: the server would inherit an ignored SIGINT.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return server.wait()


def check(pytest_args: list[str], setup_seconds: float = 0.0) -> int:
    """Every gate, then the whole suite in process, the exercises' reference solutions, then
    the suite over HTTP against every variant; a table of the steps' times at the end.

    The quick static gates and the report use one core for seconds: they run beside the
    tests, one after another at a lower priority (so they take what the tests leave), and
    their output is printed whole when they end."""
    variants = subprocess.run(
        [str(BIN / "kata"), "variants", "--built-in"], capture_output=True, text=True, check=True
    ).stdout.split()
    # One pytest run starts a `kata serve` per variant and runs every case against each.
    served = [option for name in variants for option in ("--serve", name)]
    # xdist's work stealing: a worker that runs out takes queued cases from the other, so the
    # slow fault tests at the end do not leave a core idle.
    pytest = [str(BIN / "pytest"), "-n", "auto", "--dist", "worksteal"]
    in_turn: list[tuple[str, list[str]]] = [
        ("tests", [*pytest, *pytest_args]),
        # Each exercise's reference solutions, applied to a clean copy and tested there.
        ("exercise solutions", [str(BIN / "python"), "-m", "kata.workshop.verify"]),
        ("acceptance over HTTP: kata serve, every variant", [*pytest, "tests/acceptance", *served]),
    ]
    beside: list[tuple[str, list[str]]] = [
        ("ruff check", [str(BIN / "ruff"), "check", "."]),
        ("ruff format", [str(BIN / "ruff"), "format", "--check", "."]),
        ("mypy --strict", [str(BIN / "mypy")]),
        ("import contracts", [str(BIN / "lint-imports")]),
        # The report of the variants side by side. The suites it would run (section 5) are
        # the tests step's: here it measures and draws everything else.
        ("kata compare", [str(BIN / "kata"), "compare", "--no-tests", "--html", HTML_REPORT]),
    ]
    started = time.perf_counter()
    results = [("set up .venv", True, setup_seconds)]
    with ThreadPoolExecutor(max_workers=1) as background:
        quick = background.submit(lambda: [_captured(title, cmd) for title, cmd in beside])
        tests = _step(*in_turn[0])
        results += [*_reported(quick.result()), tests]
    results += [_step(title, command) for title, command in in_turn[1:]]
    print(step_table(results, wall=setup_seconds + time.perf_counter() - started))
    failed = [title for title, ok, _ in results if not ok]
    print("\nall gates passed" if not failed else f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0


HTML_REPORT = "var/comparison.html"
# Where there is a `nice` (not on Windows, where such a step shares the machine evenly).
_LOWER_PRIORITY = ["nice", "-n", "10"] if shutil.which("nice") else []


def _step(title: str, command: list[str]) -> tuple[str, bool, float]:
    """Run one step with its output going straight to the terminal."""
    print(f"\n=== {title}", flush=True)
    started = time.perf_counter()
    ok = subprocess.call(command, cwd=ROOT) == 0
    seconds = time.perf_counter() - started
    print(f"=== {title}: {'ok' if ok else 'FAILED'} in {seconds:.1f} s", flush=True)
    return title, ok, seconds


def _captured(title: str, command: list[str]) -> tuple[str, bool, float, str]:
    """Run one step at a lower priority, its output kept to be printed whole later."""
    started = time.perf_counter()
    done = subprocess.run(
        [*_LOWER_PRIORITY, *command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return title, done.returncode == 0, time.perf_counter() - started, done.stdout + done.stderr


def _reported(steps: list[tuple[str, bool, float, str]]) -> list[tuple[str, bool, float]]:
    for title, ok, seconds, output in steps:
        print(f"\n=== {title} (beside the tests)\n{output.rstrip()}", flush=True)
        print(f"=== {title}: {'ok' if ok else 'FAILED'} in {seconds:.1f} s", flush=True)
    return [(title, ok, seconds) for title, ok, seconds, _ in steps]


def step_table(results: list[tuple[str, bool, float]], wall: float) -> str:
    """The steps with their outcome and time, and the whole run's wall time (less than the
    steps' sum: some run alongside others): where a check run's time goes."""
    width = max(len(title) for title, _, _ in results)
    lines = [f"\n{'step':{width}}  result  seconds"]
    lines += [
        f"{title:{width}}  {'ok' if ok else 'FAILED':6}  {seconds:7.1f}"
        for title, ok, seconds in results
    ]
    lines.append(f"{'total (wall)':{width}}  {'':6}  {wall:7.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
