"""The HTML report opens offline and renders in headless Chromium without console errors.

Chromium is looked up on PATH; where it is missing the test skips, unless
``KATA_TEST_BROWSER`` names it (``.ci/run`` does), so CI cannot skip it silently.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kata.compare import html
from kata.compare.collect import Comparison

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _browser() -> str:
    wanted = os.environ.get("KATA_TEST_BROWSER")
    found = shutil.which(wanted or "chromium") or shutil.which("chromium-browser")
    if found is None:
        if wanted:
            pytest.fail(f"KATA_TEST_BROWSER={wanted} is not on PATH")
        pytest.skip("no Chromium on PATH (set KATA_TEST_BROWSER to require it)")
    return found


def test_the_report_is_self_contained(comparison: Comparison) -> None:
    page = html.render(comparison)
    assert "<script" not in page  # nothing to fail, nothing to fetch
    assert not re.search(r"""(src|href)=["']https?://""", page)
    for section in ("Summary", "1. The path", "2. Where", "3. Cost", "4. Size", "5. Tests"):
        assert section in page
    assert "6. Change cost" in page


def test_the_report_renders_in_headless_chromium(comparison: Comparison, tmp_path: Path) -> None:
    browser = _browser()
    report, shot = tmp_path / "report.html", tmp_path / "report.png"
    report.write_text(html.render(comparison), encoding="utf-8")
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
         "--v=0", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
         "--window-size=1600,2000", report.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], "\n".join(console)
    assert shot.read_bytes().startswith(PNG_SIGNATURE)
    assert shot.stat().st_size > 50_000, "the screenshot is (nearly) blank"


def test_the_console_check_sees_an_error(tmp_path: Path) -> None:
    # Guards the test above: a page that logs an error must be caught.
    browser = _browser()
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>missingFunction()</script></body></html>")
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
         "--v=0", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert any(":CONSOLE" in line for line in done.stderr.splitlines())
