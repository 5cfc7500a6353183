"""``python3 dev.py serve`` as a participant stops it: Ctrl-C in the terminal."""

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
