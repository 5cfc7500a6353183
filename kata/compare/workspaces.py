"""A workspace's own change: what a participant changed in their copy of a variant.

``kata exercise start`` copies a built-in variant to ``workshop/NAME/`` and rewrites its
imports (:func:`kata.workshop.workspace.retarget`). The workspace's change is the difference
between its files now and its origin's files rewritten the same way, so the rewriting counts
for nothing and only the participant's edits count: files touched, lines added and removed,
and the layers (the package's direct children, as in :mod:`kata.compare.shape`) they lie in.
Beside it stands the reference solution of the same exercise on the same origin
(:func:`kata.workshop.verify.change_costs`), so a debrief can compare the room's solutions
with the reference one. The origin is read as it is now: if it changed since the copy was
made, that change shows here too.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kata import variants
from kata.workshop import check, verify, workspace

# Made by ``kata exercise start`` (or by Python), never by the participant.
NOT_THE_PARTICIPANTS = {variants.METADATA_FILE}
SKIPPED_FOLDERS = {"__pycache__"}


@dataclass(frozen=True)
class OwnChange:
    """A workspace's change against its origin, and the reference solution's beside it."""

    workspace: str
    origin: str
    exercise: str  # the exercise it was started for ("02"), "" for none
    change: verify.ChangeCost  # files relative to the variant's folder
    contracts_kept: int
    contracts: int
    reference: verify.ChangeCost | None  # None: the exercise has no solution for the origin

    @property
    def layers(self) -> tuple[str, ...]:
        return layers_of(self.change.files)

    @property
    def reference_layers(self) -> tuple[str, ...]:
        return layers_of(self.reference.files) if self.reference else ()


def own_change(
    space: variants.Workspace,
    contracts: list[check.Verdict],
    references: dict[tuple[str, str], verify.ChangeCost],
) -> OwnChange:
    """``space``'s change against its origin; ``contracts``: the verdicts of the contracts it
    is held to; ``references``: :func:`kata.workshop.verify.change_costs`."""
    reference = references.get((space.exercise, space.origin))
    return OwnChange(
        workspace=space.name,
        origin=space.origin,
        exercise=space.exercise,
        change=difference(space),
        contracts_kept=sum(1 for verdict in contracts if verdict.kept),
        contracts=len(contracts),
        reference=_within_variant(reference, space.origin) if reference else None,
    )


def difference(space: variants.Workspace) -> verify.ChangeCost:
    """Files the participant touched in ``space`` (added, removed or edited) and the lines
    added and removed, against the origin as ``kata exercise start`` would copy it now."""
    origin = variants.source_dir(space.origin)
    copy = variants.workshop_dir() / space.name
    package = f"{variants.WORKSHOP_PACKAGE}.{space.name}"
    touched: list[str] = []
    added = removed = 0
    for name in sorted(set(_files(origin)) | set(_files(copy))):
        before = workspace.retarget(_text(origin / name), space.origin, package, space.name)
        after = _text(copy / name)
        if before == after:
            continue
        plus, minus = _lines_changed(before.splitlines(), after.splitlines())
        touched.append(name)
        added, removed = added + plus, removed + minus
    return verify.ChangeCost(tuple(touched), added, removed)


def layers_of(files: tuple[str, ...]) -> tuple[str, ...]:
    """The layers ``files`` (relative to a variant's folder) lie in, in order of first
    appearance: ``domain/order.py`` is in ``domain``, ``app.py`` is ``app``; a file outside
    the variant (``docs/…``, from a reference patch) is named by its top folder."""
    return tuple(dict.fromkeys(_layer(PurePosixPath(name)) for name in files))


def _layer(path: PurePosixPath) -> str:
    if path.parts[0] == "..":  # outside the variant's folder
        return f"{path.parts[1]}/ (outside the variant)"
    return path.parts[0] if len(path.parts) > 1 else path.stem


def _within_variant(cost: verify.ChangeCost, origin: str) -> verify.ChangeCost:
    """A reference patch's cost with its paths relative to the origin's folder, as a
    workspace's are (``kata/aggregate/domain/order.py`` -> ``domain/order.py``)."""
    folder = variants.source_dir(origin).relative_to(variants.REPO_ROOT).as_posix() + "/"
    files = tuple(
        name.removeprefix(folder) if name.startswith(folder) else f"../{name}"
        for name in cost.files
    )
    return verify.ChangeCost(files, cost.added, cost.removed)


def _files(folder: Path) -> Iterator[str]:
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if (
            path.is_file()
            and path.suffix not in {".pyc", ".pyo"}
            and path.name not in NOT_THE_PARTICIPANTS
            and not SKIPPED_FOLDERS & set(relative.parts)
        ):
            yield relative.as_posix()


def _text(path: Path) -> str:
    """The file's text; "" for a file that is not there (added or deleted on one side)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def _lines_changed(before: list[str], after: list[str]) -> tuple[int, int]:
    """(added, removed) lines, as a unified diff of the two would count them."""
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, first, last, start, end in matcher.get_opcodes():
        if tag != "equal":
            removed += last - first
            added += end - start
    return added, removed
