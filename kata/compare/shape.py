"""Size and shape: files, lines and functions per layer, complexity, and the real layer imports.

A layer is a direct child of the variant's package (``presentation``, ``domain``, ``app``).
Lines of code are radon's source lines (no blanks, no comments, no docstrings); complexity is
radon's cyclomatic complexity per function or method. The layer diagram comes from the
variant's real imports (grimp), not from its README.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import grimp
from radon.raw import analyze
from radon.visitors import ComplexityVisitor


@dataclass(frozen=True)
class Layer:
    name: str
    files: int
    lines: int
    functions: int
    complexities: tuple[int, ...]


@dataclass(frozen=True)
class Shape:
    layers: tuple[Layer, ...]
    imports: tuple[tuple[str, str], ...]  # (importing layer, imported layer)

    @property
    def files(self) -> int:
        return sum(layer.files for layer in self.layers)

    @property
    def lines(self) -> int:
        return sum(layer.lines for layer in self.layers)

    @property
    def functions(self) -> int:
        return sum(layer.functions for layer in self.layers)

    @property
    def complexities(self) -> tuple[int, ...]:
        return tuple(c for layer in self.layers for c in layer.complexities)

    @property
    def mean_complexity(self) -> float:
        return statistics.fmean(self.complexities) if self.complexities else 0.0

    @property
    def max_complexity(self) -> int:
        return max(self.complexities, default=0)


def measure_shape(package: str, folder: Path) -> Shape:
    layers = tuple(_layer(child) for child in _layer_paths(folder))
    return Shape(layers, _layer_imports(package, [layer.name for layer in layers]))


def _layer_paths(folder: Path) -> list[Path]:
    children = [p for p in folder.iterdir() if p.suffix == ".py" and p.name != "__init__.py"]
    children += [p for p in folder.iterdir() if (p / "__init__.py").is_file()]
    return sorted(children, key=lambda p: p.stem)


def _layer(path: Path) -> Layer:
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    lines = 0
    complexities: list[int] = []
    for file in files:
        source = file.read_text(encoding="utf-8")
        lines += analyze(source).sloc
        complexities += _complexities(source)
    return Layer(path.stem, len(files), lines, len(complexities), tuple(complexities))


def _complexities(source: str) -> list[int]:
    visitor = ComplexityVisitor.from_code(source)
    blocks = [*visitor.functions, *(m for c in visitor.classes for m in c.methods)]
    return [block.complexity for block in blocks]


@cache
def _graph(top_level: str) -> grimp.ImportGraph:
    return grimp.build_graph(top_level)


def _layer_imports(package: str, layers: list[str]) -> tuple[tuple[str, str], ...]:
    graph = _graph(package.split(".", maxsplit=1)[0])
    edges = [
        (importer, imported)
        for importer in layers
        for imported in layers
        if importer != imported
        and graph.direct_import_exists(
            importer=f"{package}.{importer}", imported=f"{package}.{imported}", as_packages=True
        )
    ]
    return tuple(edges)
