"""Command-line options shared by every test folder."""

from __future__ import annotations

from typing import Any

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
        action="append",
        default=[],
        metavar="NAME",
        help="start `kata serve NAME` and run the acceptance suite against it over HTTP "
        "(repeatable: one server per variant, each case against each)",
    )
    group.addoption(
        "--differential-examples",
        type=int,
        default=25,
        metavar="N",
        help="random command sequences per variant pair in tests/differential (default 25)",
    )
    group.addoption(
        "--differential-seed",
        default=None,
        metavar="SEED",
        help="the seed of tests/differential's sequences, to run a reported failure again",
    )


# --- wall time per acceptance target ------------------------------------------------------
# Each acceptance case tags its report with its target ("transaction_script-sqlite"); the
# durations add up here (on the xdist controller too) and print at the end of the run.

_seconds_by_target: dict[str, float] = {}
_cases_by_target: dict[str, int] = {}
# Figures a test measured (a stress run's counts), tagged ("figures", text), printed at the end.
_figures: list[str] = []


# The variants' own suites (unit tests of a model, use cases on in-memory adapters), timed
# alongside the acceptance suite so the comparison between styles has its figures.
_VARIANT_SUITES = (
    "tests/domain_model/",
    "tests/aggregate/",
    "tests/hexagonal/",
    "tests/event_sourced/",
    "tests/microservices/",
)
_seconds_by_suite: dict[str, float] = {}
_tests_by_suite: dict[str, int] = {}


def _suite_of(nodeid: str) -> str | None:
    """``tests/domain_model`` for its unit tests; hexagonal's suites by file (use cases,
    adapter contract, broker) since they differ in kind."""
    for folder in _VARIANT_SUITES:
        if nodeid.startswith(folder):
            path = nodeid.split("::", 1)[0]
            return path if folder == "tests/hexagonal/" else folder.rstrip("/")
    return None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    suite = _suite_of(report.nodeid)
    if suite is not None and not report.skipped:
        _seconds_by_suite[suite] = _seconds_by_suite.get(suite, 0.0) + report.duration
        if report.when == "call":
            _tests_by_suite[suite] = _tests_by_suite.get(suite, 0) + 1
    figures = dict(report.user_properties).get("figures")
    if isinstance(figures, str) and report.when == "call":
        _figures.append(figures)
    target = dict(report.user_properties).get("target")
    if not isinstance(target, str):
        return
    _seconds_by_target[target] = _seconds_by_target.get(target, 0.0) + report.duration
    if report.when == "call":
        _cases_by_target[target] = _cases_by_target.get(target, 0) + 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _figures:
        terminalreporter.section("figures measured by tests")
        for figures in _figures:
            terminalreporter.write_line(figures)
    if _seconds_by_suite:
        terminalreporter.section("variant suites: time per suite (sum of test durations)")
        for suite, seconds in sorted(_seconds_by_suite.items()):
            tests = _tests_by_suite.get(suite, 0)
            terminalreporter.write_line(f"{suite:40} {tests:5} tests {seconds:8.2f} s")
    if not _seconds_by_target:
        return
    terminalreporter.section("acceptance suite: time per target (sum of case durations)")
    for target, seconds in sorted(_seconds_by_target.items()):
        cases = _cases_by_target.get(target, 0)
        terminalreporter.write_line(f"{target:40} {cases:5} cases {seconds:8.1f} s")
