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
    setup()
    if argv[0] == "serve":
        return serve(argv[1:])
    if argv[0] == "check":
        return check(argv[1:])
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
    return subprocess.call([str(BIN / "kata"), "serve", *args], cwd=ROOT)


def check(pytest_args: list[str]) -> int:
    """Every gate, then the whole suite in process, the exercises' reference solutions, then
    the suite over HTTP per variant."""
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
    steps += [
        (
            f"acceptance over HTTP: kata serve {name}",
            [str(BIN / "pytest"), "tests/acceptance", "-n", "auto", "--serve", name],
        )
        for name in variants
    ]
    failed: list[str] = []
    for title, command in steps:
        print(f"\n=== {title}", flush=True)
        started = time.perf_counter()
        code = subprocess.call(command, cwd=ROOT)
        outcome = "ok" if code == 0 else "FAILED"
        print(f"=== {title}: {outcome} in {time.perf_counter() - started:.1f} s", flush=True)
        if code != 0:
            failed.append(title)
    print("\nall gates passed" if not failed else f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
