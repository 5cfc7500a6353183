"""Every relative link in the repository's Markdown (READMEs, docs/, exercises) names a file
or folder that exists: a reader who follows one never lands nowhere."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from kata import variants

_LINK = re.compile(r"\]\(([^)\s]+)\)")  # [text](target)
_EXTERNAL = re.compile(r"[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, ...


def dead_links(markdown: Path) -> list[str]:
    """The relative link targets in ``markdown`` that name nothing on disk."""
    dead = []
    for found in _LINK.finditer(markdown.read_text(encoding="utf-8")):
        target = found.group(1)
        path = target.split("#", 1)[0]
        if _EXTERNAL.match(target) or not path:
            continue  # another site, or an anchor in the same page
        if not (markdown.parent / path).exists():
            dead.append(target)
    return dead


def _tracked_markdown() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.md"],
        cwd=variants.REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [variants.REPO_ROOT / name for name in listed]


def test_every_relative_link_in_the_docs_names_a_file() -> None:
    pages = _tracked_markdown()
    assert len(pages) > 10, pages  # the READMEs, docs/ and the exercises were found

    dead = {str(page.relative_to(variants.REPO_ROOT)): dead_links(page) for page in pages}

    assert {page: links for page, links in dead.items() if links} == {}


def test_a_dead_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "there.md").write_text("here", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](there.md) [ok too](there.md#part) [web](https://example.org) [anchor](#top)\n"
        "[gone](missing.md) [gone too](../nowhere/file.py#L3)\n",
        encoding="utf-8",
    )

    assert dead_links(page) == ["missing.md", "../nowhere/file.py#L3"]
