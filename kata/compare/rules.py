"""Where each rule lives: the ``# rule: ID`` markers in a variant's comments.

The syntax and what counts as a marker are described in ``tests/test_rule_markers.py``,
which checks every variant with this scanner; ``kata compare`` shows what it finds as a
rule x variant matrix.
"""

from __future__ import annotations

import importlib.util
import io
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kata import variants

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_DOC = ROOT / "docs" / "domain.md"

# A comment that starts with the word "rule" or "rules", in any case, claims to be a marker.
CANDIDATE = re.compile(r"#\s*rules?\b", re.IGNORECASE)
RULE_ID = r"[A-Z]+[0-9]+"
MARKER = re.compile(rf"# rule: (?P<ids>{RULE_ID}(?:, {RULE_ID})*)(?: \([^()]+\))?")
TABLE_ROW_ID = re.compile(r"\|\s*([A-Z]+[0-9]+)\s*\|")


@dataclass(frozen=True)
class Marker:
    where: str  # "path:line"
    ids: tuple[str, ...]


@dataclass(frozen=True)
class Scan:
    markers: tuple[Marker, ...]
    malformed: tuple[str, ...]  # "path:line: text"

    def marked(self) -> set[str]:
        return {rule for marker in self.markers for rule in marker.ids}


def scan_source(source: str, path: str) -> Scan:
    """The markers in one file's comments, and the comments that fail to be one."""
    markers: list[Marker] = []
    malformed: list[str] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        where = f"{path}:{token.start[0]}"
        comment = token.string.rstrip()
        # Each "#" opens a comment of its own (a pragma, then a marker): check every one.
        for start in (match.start() for match in re.finditer("#", comment)):
            if not CANDIDATE.match(comment, start):
                continue
            end = comment.find("#", start + 1)
            own = (comment[start:end] if end != -1 else comment[start:]).rstrip()
            found = MARKER.fullmatch(own)
            if found is None:
                malformed.append(f"{where}: {own!r}")
            else:
                markers.append(Marker(where, tuple(found["ids"].split(", "))))
    return Scan(tuple(markers), tuple(malformed))


def scan_files(files: Iterable[Path], root: Path) -> Scan:
    markers: list[Marker] = []
    malformed: list[str] = []
    for file in sorted(files):
        scan = scan_source(file.read_text(encoding="utf-8"), str(file.relative_to(root)))
        markers += scan.markers
        malformed += scan.malformed
    return Scan(tuple(markers), tuple(malformed))


def missing_rules(scan: Scan, rules: Iterable[str]) -> list[str]:
    return sorted(set(rules) - scan.marked(), key=rule_order)


def unknown_markers(scan: Scan, rules: Iterable[str]) -> list[str]:
    known = set(rules)
    return [
        f"{marker.where}: {rule}"
        for marker in scan.markers
        for rule in marker.ids
        if rule not in known
    ]


def rule_order(rule: str) -> tuple[str, int]:
    letters = rule.rstrip("0123456789")
    return letters, int(rule[len(letters) :])


def rules_in_doc(text: str) -> list[str]:
    """The ids in the first column of the tables in the "The rules" section."""
    found: list[str] = []
    inside = False
    for line in text.splitlines():
        if line.startswith("## "):
            inside = line.strip() == "## The rules"
        elif inside and (row := TABLE_ROW_ID.match(line)):
            found.append(row[1])
    return found


def variant_folder(name: str) -> Path:
    """The folder of variant ``name``'s package."""
    spec = importlib.util.find_spec(variants.package(name))
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(f"variant {name} has no package {variants.package(name)}")
    return Path(next(iter(spec.submodule_search_locations)))


def scan_variant(name: str) -> Scan:
    return scan_files(variant_folder(name).rglob("*.py"), ROOT)


def doc_rules() -> list[str]:
    return rules_in_doc(DOMAIN_DOC.read_text(encoding="utf-8"))
