"""``.importlinter`` is generated from the style templates, and is not stale.

The contracts are written once, per style, in ``kata/workshop/styles.py``: rendered for each
built-in variant they make ``.importlinter`` (what ``lint-imports`` reads and what
``test_contracts.py`` plants imports against); rendered for a workspace they are what
``kata check`` holds it to. This test fails when someone edits one and not the other.
"""

from __future__ import annotations

import re

import pytest

from kata import variants
from kata.workshop import contracts, styles


def test_the_import_linter_configuration_is_generated_from_the_style_templates() -> None:
    assert not contracts.is_stale(), (
        ".importlinter differs from the style templates (kata/workshop/styles.py): "
        "run `python -m kata.workshop.contracts` and commit the result"
    )


@pytest.mark.parametrize("style", styles.STYLES)
def test_each_style_template_names_no_package_but_its_placeholder(style: str) -> None:
    template = styles.template(style)

    assert re.search(r"(?<![\w.])kata\.", template) is None
    assert styles.PLACEHOLDER in template
    assert styles.render(style, variants.package(style)) in contracts.repository_config()


def test_there_is_one_style_per_built_in_variant() -> None:
    assert list(styles.STYLES) == variants.names()
