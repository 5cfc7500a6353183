"""``kata --help`` and every sub-command's help read as plain text and end with two examples,
each a command line the ``kata`` command accepts as written."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Iterator

import pytest

from kata import cli


def _parsers(parser: argparse.ArgumentParser, path: str = "kata") -> Iterator[tuple[str, str]]:
    """(command path, help text) for ``parser`` and every sub-command below it."""
    yield path, parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


HELP = dict(_parsers(cli._parser()))


def _examples(text: str) -> list[str]:
    _, marker, tail = text.rpartition("\nexamples:\n")
    assert marker, text
    return [line.strip() for line in tail.strip().splitlines()]


def test_every_command_has_a_help_page() -> None:
    assert {"kata serve", "kata compare", "kata exercise start", "kata check"} <= set(HELP)


@pytest.mark.parametrize("command", HELP)
def test_the_help_is_plain_text_and_ends_with_two_examples(command: str) -> None:
    text = HELP[command]

    assert "``" not in text, text  # reStructuredText markup from a docstring
    assert ":mod:" not in text, text
    examples = _examples(text)
    assert len(examples) == 2, examples
    for example in examples:
        words = shlex.split(example.split("|")[0])
        assert words[0] == "kata", example
        cli._parser().parse_args(words[1:])  # exits (status 2) if kata would refuse it
