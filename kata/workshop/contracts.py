"""The repository's ``.importlinter``, generated from the style templates.

``lint-imports`` (no arguments) reads ``.importlinter`` at the repository root, so the file is
committed; its contracts are each built-in variant's style template rendered for the
variant's package, plus the one contract that keeps the variants apart. A test
(``tests/architecture/test_generated_config.py``) fails when the file is stale.

    python -m kata.workshop.contracts            write .importlinter
    python -m kata.workshop.contracts --check    exit 1 if .importlinter is stale
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from kata import variants
from kata.workshop import styles

CONFIG_FILE = variants.REPO_ROOT / ".importlinter"

_HEADER = """\
# Import contracts: what may depend on what. Checked by `lint-imports` (part of
# `python3 dev.py check`); tests/architecture/test_contracts.py proves every contract bites.
# GENERATED from the style templates in kata/workshop/styles.py: edit them there, then run
# `python -m kata.workshop.contracts`. (`kata check NAME --style STYLE` renders the same
# templates for a participant's workspace.)
# Module names are spelled out in full (kata.…): the tests rewrite them to a copy of the code.

[importlinter]
root_packages =
    kata
include_external_packages = True
"""

_INDEPENDENCE = """\
[importlinter:contract:variants-independent]
name = Variants never import each other: {listed}
type = independence
modules =
{modules}"""


def repository_config() -> str:
    """The text ``.importlinter`` must hold: every built-in variant held to its own style."""
    parts = [_HEADER]
    parts += [styles.render(name, variants.package(name)) for name in variants.names()]
    parts.append(_independence(variants.names()))
    return "\n".join(parts)


def _independence(names: Sequence[str]) -> str:
    modules = "".join(f"    {variants.package(name)}\n" for name in names)
    return _INDEPENDENCE.format(listed=", ".join(names), modules=modules)


def is_stale(config_file: Path = CONFIG_FILE) -> bool:
    """True if ``config_file`` differs from :func:`repository_config` (or is missing)."""
    return not config_file.is_file() or config_file.read_text("utf-8") != repository_config()


def main(argv: Sequence[str]) -> int:
    if list(argv) == ["--check"]:
        if is_stale():
            print(f"{CONFIG_FILE} is stale: run python -m kata.workshop.contracts", flush=True)
            return 1
        return 0
    if argv:
        print(__doc__)
        return 2
    CONFIG_FILE.write_text(repository_config(), encoding="utf-8")
    print(f"wrote {CONFIG_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
