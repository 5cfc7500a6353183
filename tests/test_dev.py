"""``python3 dev.py`` as a participant meets it: set up, serve, stop with Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from kata import variants


def test_ctrl_c_on_dev_py_serve_stops_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'kata.sqlite3'}"
    command = [sys.executable, "dev.py", "serve", "--port", "0", "--database-url", database]
    # A session of its own: Ctrl-C in a terminal signals the whole foreground process group.
    served = subprocess.Popen(
        command,
        cwd=variants.REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert served.stdout is not None
        started = next((line for line in served.stdout if "serving" in line), None)
        assert started, "dev.py serve did not start"
        os.killpg(served.pid, signal.SIGINT)
        rest, _ = served.communicate(timeout=10)
    finally:
        if served.poll() is None:
            os.killpg(served.pid, signal.SIGKILL)

    assert served.returncode == 0, rest
    assert "Traceback" not in rest, rest
    assert rest.strip().splitlines() == ["kata: stopped"], rest


def test_dev_py_setup_says_how_to_put_kata_on_the_path_and_that_line_works() -> None:
    # The interpreter that runs the tests is the one in .venv: dev.py finds it set up.
    said = subprocess.run(
        [sys.executable, "dev.py", "setup"],
        cwd=variants.REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    activate = said.strip().splitlines()[-1].rsplit(": ", 1)[1]

    found = subprocess.run(
        ["bash", "-c", f"{activate} && command -v kata pytest"],
        cwd=variants.REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()

    assert activate.startswith(". ")
    assert [Path(path).name for path in found] == ["kata", "pytest"]
