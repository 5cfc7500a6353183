"""Command-line options shared by every test folder."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kata")
    group.addoption(
        "--variant",
        action="append",
        default=[],
        metavar="NAME",
        help="run the shared suite against this variant only (repeatable)",
    )
    group.addoption(
        "--base-url",
        default=None,
        metavar="URL",
        help="run the acceptance suite over HTTP against a server already running at URL",
    )
    group.addoption(
        "--serve",
        default=None,
        metavar="NAME",
        help="start `kata serve NAME` and run the acceptance suite against it over HTTP",
    )
