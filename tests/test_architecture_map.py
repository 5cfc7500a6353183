"""``docs/architecture-map.md`` puts every variant's code on two maps (Clean Architecture's
rings, the inside and outside of a service): its paths exist, every variant has its rows, and
every module of a variant sits in a ring, so the map cannot silently go incomplete when a
module is added."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from kata import variants

DOC = variants.REPO_ROOT / "docs" / "architecture-map.md"
RINGS = "Clean Architecture's rings"
TABLES = {
    RINGS: ["entities", "use cases", "interface adapters", "frameworks and drivers"],
    "The inside of a service": [
        "service interfaces",
        "domain",
        "domain-event interface",
        "repository interface",
        "API-proxy interface",
    ],
    "The adapters around it": [
        "API publishing",
        "API proxy",
        "storage",
        "event publishing",
        "event handler",
    ],
}

_LINK = re.compile(r"\[`(?P<text>[^`]+)`\]\((?P<target>[^)\s]+)\)")
_VARIANT = re.compile(r"^\*\*(?P<name>\w+)\*\*")
_NO_SUCH_PART = re.compile(r"^— \w.{10,}")  # "— none: why", with a reason of some words


@dataclass(frozen=True)
class Row:
    variant: str
    cells: dict[str, str]  # column -> its Markdown
    label: str = ""  # the first cell: the variant, and which of its services

    def links(self, column: str | None = None) -> list[re.Match[str]]:
        cells = [self.cells[column]] if column else list(self.cells.values())
        return [link for cell in cells for link in _LINK.finditer(cell)]


def tables(text: str) -> dict[str, tuple[list[str], list[Row]]]:
    """Section heading -> (its table's columns after the first, its rows)."""
    found: dict[str, tuple[list[str], list[Row]]] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("|") and not line.startswith("|---"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if section not in found:  # the header
                found[section] = (cells[1:], [])
                continue
            name = _VARIANT.match(cells[0])
            assert name, f"{section}: a row must start with a variant in bold: {line[:80]}"
            columns = found[section][0]
            found[section][1].append(
                Row(name["name"], dict(zip(columns, cells[1:], strict=True)), cells[0])
            )
    return found


@pytest.fixture(scope="module")
def doc_tables() -> dict[str, tuple[list[str], list[Row]]]:
    return tables(DOC.read_text(encoding="utf-8"))


def _modules(name: str) -> list[str]:
    """Every module of variant ``name``, relative to its folder (packages' ``__init__.py``
    hold a docstring only, and are not modules of their own)."""
    folder = variants.source_dir(name)
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*.py")
        if path.name != "__init__.py"
    )


def test_the_map_has_its_three_tables_with_their_columns(
    doc_tables: dict[str, tuple[list[str], list[Row]]],
) -> None:
    assert {section: columns for section, (columns, _) in doc_tables.items()} == TABLES


@pytest.mark.parametrize("section", TABLES)
def test_every_variant_has_a_row_in_every_table(
    doc_tables: dict[str, tuple[list[str], list[Row]]], section: str
) -> None:
    rows = doc_tables[section][1]
    assert sorted({row.variant for row in rows}) == sorted(variants.names())


def test_the_inside_and_the_outside_of_a_service_have_the_same_rows(
    doc_tables: dict[str, tuple[list[str], list[Row]]],
) -> None:
    inside, outside = (doc_tables[section][1] for section in list(TABLES)[1:])
    assert [row.label for row in inside] == [row.label for row in outside]


@pytest.mark.parametrize("section", TABLES)
def test_every_cell_names_paths_or_says_why_there_are_none(
    doc_tables: dict[str, tuple[list[str], list[Row]]], section: str
) -> None:
    empty = [
        f"{row.variant} / {column}: {cell!r}"
        for row in doc_tables[section][1]
        for column, cell in row.cells.items()
        if not _LINK.search(cell) and not _NO_SUCH_PART.match(cell)
    ]
    assert empty == []


@pytest.mark.parametrize("section", TABLES)
def test_every_path_exists_in_its_variant_and_is_named_as_it_is(
    doc_tables: dict[str, tuple[list[str], list[Row]]], section: str
) -> None:
    wrong = []
    for row in doc_tables[section][1]:
        folder = variants.source_dir(row.variant).resolve()
        for link in row.links():
            target = (DOC.parent / link["target"]).resolve()
            inside = target.is_relative_to(folder) and target.exists()
            shown = target.relative_to(folder).as_posix() + "/" * target.is_dir() if inside else ""
            if shown != link["text"]:
                wrong.append(f"{row.variant}: [{link['text']}]({link['target']})")
    assert wrong == []


def unplaced(row: Row) -> list[str]:
    """The modules of ``row``'s variant that no path of the row covers."""
    listed = [link["text"] for link in row.links()]
    return [
        module
        for module in _modules(row.variant)
        if not any(
            module == path or (path.endswith("/") and module.startswith(path)) for path in listed
        )
    ]


def test_every_module_of_every_variant_sits_in_a_ring(
    doc_tables: dict[str, tuple[list[str], list[Row]]],
) -> None:
    """A folder in the rings table stands for its modules, except those listed on their own."""
    for row in doc_tables[RINGS][1]:
        listed = [link["text"] for link in row.links()]
        assert len(listed) == len(set(listed)), f"{row.variant}: a path listed twice"
        assert unplaced(row) == [], f"{row.variant}: modules on no ring of the map"


def test_a_module_on_no_ring_is_found() -> None:
    row = Row("transaction_script", {"entities": "[`records.py`](x) [`data/`](y)"})
    missing = unplaced(row)
    assert "services/orders.py" in missing
    assert "records.py" not in missing
    assert "data/orders.py" not in missing
