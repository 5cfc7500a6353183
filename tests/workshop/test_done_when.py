"""Issue 7's "done when", as tests: a workspace started from ``transaction_script`` passes
the shared suite, and ``kata check ws --style hexagonal`` reports which hexagonal contracts
it breaks (and why), while its own style's contracts are all kept."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from kata import variants
from kata.workshop import styles
from tests.workshop.conftest import environment

HEXAGONAL_CONTRACTS = re.findall(r"(?m)^name = (.+)$", styles.template("hexagonal"))


def _run(command: list[str], workshop_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=variants.REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=environment(workshop_dir),
    )


def test_a_workspace_from_the_transaction_script_passes_the_shared_suite(
    ws: variants.Workspace, workshop_dir: Path
) -> None:
    # One worker: this case already runs beside the others of the test run.
    suite = [
        sys.executable,
        "-m",
        "pytest",
        "tests/acceptance",
        "--variant",
        "ws",
        "-p",
        "no:xdist",
    ]

    result = _run([*suite, "-q"], workshop_dir)

    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr
    assert re.fullmatch(r"=* ?\d+ passed.*", summary), summary
    assert re.search(r"(?m)^ws-sqlite +\d+ cases", result.stdout), result.stdout[-2000:]


def test_kata_check_names_each_hexagonal_contract_the_workspace_breaks_and_why(
    ws: variants.Workspace, workshop_dir: Path
) -> None:
    result = _run(
        [sys.executable, "-m", "kata.cli", "check", "ws", "--style", "hexagonal"], workshop_dir
    )

    assert result.returncode == 1, result.stdout + result.stderr
    report = " ".join(result.stdout.split())  # as one line: the report wraps to the terminal
    assert len(HEXAGONAL_CONTRACTS) == 4
    for name in HEXAGONAL_CONTRACTS:
        assert f"{name} BROKEN" in report, report
    assert "missing layers of workshop.ws: bootstrap, adapters, application, domain" in report
    assert "The following modules are not listed as layers:" in report
    assert "- workshop.ws.services" in report
    assert "missing modules: workshop.ws.domain, workshop.ws.application" in report
    assert "ws stands alone: a workspace imports no built-in variant KEPT" in report
    assert report.rstrip().endswith("Contracts: 1 kept, 4 broken.")


def test_kata_check_keeps_every_contract_of_the_workspace_s_own_style(
    ws: variants.Workspace, workshop_dir: Path
) -> None:
    result = _run([sys.executable, "-m", "kata.cli", "check", "ws"], workshop_dir)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "against the transaction_script contracts" in result.stdout
    assert result.stdout.rstrip().endswith("Contracts: 4 kept, 0 broken.")
