"""Help pages of the ``kata`` command that end with examples a reader can type as they are."""

from __future__ import annotations

import argparse
from typing import Any


def with_examples(*command_lines: str) -> dict[str, Any]:
    """Keywords for ``add_parser``: its ``--help`` ends with these command lines, as written."""
    examples = "\n".join(f"  {line}" for line in command_lines)
    return {
        "epilog": f"examples:\n{examples}",
        "formatter_class": argparse.RawDescriptionHelpFormatter,
    }
