"""``kata compare``: measure the variants and print, or write, the report."""

from __future__ import annotations

import argparse
import time

from kata import terminal, variants
from kata.compare import html, markdown, ratios
from kata.compare.collect import Comparison, collect
from kata.compare.progress import Progress
from kata.compare.summary import (
    MEASURED,
    SERVICES,
    STABLE,
    WORKSPACES,
    measured_rows,
    service_rows,
    stable_rows,
    workspace_rows,
)


def run(arguments: argparse.Namespace) -> int:
    names = arguments.variant or variants.names(workspaces=not arguments.built_in)
    known = variants.names(workspaces=True)
    for name in names:  # before any measuring starts: a misspelt name is said alone
        if name not in known:
            raise variants.UnknownVariantError(name)
    started = time.perf_counter()
    progress = Progress()  # on stderr: stdout holds the tables alone
    try:
        comparison = collect(
            names, arguments.rounds, with_tests=not arguments.no_tests, progress=progress
        )
    finally:
        progress.finish()
    print(report(comparison))
    for path, render in ((arguments.html, html.render), (arguments.markdown, markdown.render)):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(comparison), encoding="utf-8")
            print(f"\nkata compare: wrote {path} ({path.resolve().as_uri()})")
    print(f"compared {len(names)} variants in {time.perf_counter() - started:.1f} s")
    return 0


def report(comparison: Comparison) -> str:
    """The comparison as text for the terminal: every table fitted to its width."""
    said = [
        terminal.wrap(f"kata compare: {name} does not load: {error}")
        for name, error in comparison.unloadable.items()
    ]
    tables = [(STABLE, stable_rows(comparison)), (MEASURED, measured_rows(comparison))]
    if services := service_rows(comparison):  # a variant of several services: each one's part
        tables.append((SERVICES, services))
    tables += ratio_tables(comparison)
    if comparison.workspaces:  # a debrief: each participant's change beside the reference
        tables.append((WORKSPACES, workspace_rows(comparison)))
    return "\n\n".join([*said, *(terminal.table(header, rows) for header, rows in tables)])


def ratio_tables(comparison: Comparison) -> list[tuple[list[str], list[list[str]]]]:
    """Section 7's tables for the terminal: suite, latency, contention if recorded, and the
    mutation scores recorded."""
    names = comparison.names
    tables = [
        (ratios.SUITE_HEADER, ratios.suite_rows(comparison.suite_times())),
        (ratios.latency_header(names), ratios.latency_rows(comparison.latency, names)),
    ]
    if comparison.contention is not None:
        rows = ratios.contention_rows(comparison.contention, names)
        tables.append((ratios.CONTENTION_HEADER, rows))
    tables.append((ratios.MUTATION_HEADER, ratios.mutation_rows(comparison.mutation, names)))
    return tables
