"""``kata compare``'s options, apart from the command: ``kata`` builds its parser on every
start, and ``kata serve`` should not pay for importing the report's libraries to do so."""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_ROUNDS = 9  # repetitions per use case and order size: enough for a stable median


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME",
        help="compare only these variants (repeatable; default: all, workspaces included)",
    )
    parser.add_argument(
        "--built-in",
        action="store_true",
        help="only the built-in variants (what docs/comparison.md shows)",
    )
    parser.add_argument("--html", type=Path, metavar="PATH", help="write the HTML report")
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="write the Markdown report")
    parser.add_argument(
        "--rounds", type=int, default=DEFAULT_ROUNDS, help="repetitions per measurement"
    )
    parser.add_argument(
        "--no-tests", action="store_true", help="skip running the test suites (section 5)"
    )
