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
import signal
import subprocess
import sys
import time
import venv
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
    the suite over HTTP against every variant; a table of the steps' times at the end."""
    variants = subprocess.run(
        [str(BIN / "kata"), "variants", "--built-in"], capture_output=True, text=True, check=True
    ).stdout.split()
    steps: list[tuple[str, list[str]]] = [
        ("ruff check", [str(BIN / "ruff"), "check", "."]),
        ("ruff format", [str(BIN / "ruff"), "format", "--check", "."]),
        ("mypy --strict", [str(BIN / "mypy")]),
        ("import contracts", [str(BIN / "lint-imports")]),
        ("tests", [str(BIN / "pytest"), "-n", "auto", *pytest_args]),
        # The variants measured side by side; its time shows it stays well under two minutes.
        ("kata compare", [str(BIN / "kata"), "compare", "--html", "var/comparison.html"]),
        # Each exercise's reference solutions, applied to a clean copy and tested there.
        ("exercise solutions", [str(BIN / "python"), "-m", "kata.workshop.verify"]),
    ]
    # One pytest run starts a `kata serve` per variant and runs every case against each.
    served = [option for name in variants for option in ("--serve", name)]
    steps.append(
        (
            "acceptance over HTTP: kata serve, every variant",
            [str(BIN / "pytest"), "tests/acceptance", "-n", "auto", *served],
        )
    )
    results = [("set up .venv", True, setup_seconds)]
    for title, command in steps:
        print(f"\n=== {title}", flush=True)
        started = time.perf_counter()
        ok = subprocess.call(command, cwd=ROOT) == 0
        seconds = time.perf_counter() - started
        print(f"=== {title}: {'ok' if ok else 'FAILED'} in {seconds:.1f} s", flush=True)
        results.append((title, ok, seconds))
    print(step_table(results))
    failed = [title for title, ok, _ in results if not ok]
    print("\nall gates passed" if not failed else f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0


def step_table(results: list[tuple[str, bool, float]]) -> str:
    """The steps with their outcome and time, and the total: where a check run's time goes."""
    width = max(len(title) for title, _, _ in results)
    total = sum(seconds for _, _, seconds in results)
    lines = [f"\n{'step':{width}}  result  seconds"]
    lines += [
        f"{title:{width}}  {'ok' if ok else 'FAILED':6}  {seconds:7.1f}"
        for title, ok, seconds in results
    ]
    lines.append(f"{'total':{width}}  {'':6}  {total:7.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
