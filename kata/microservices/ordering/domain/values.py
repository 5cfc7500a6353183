"""Small value objects: ``Sku`` and ``Quantity``, validated when they are made."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SKU = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}")


@dataclass(frozen=True, order=True)
class Sku:
    code: str

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _SKU.fullmatch(self.code):
            raise ValueError(f"Not a SKU: {self.code!r}")

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True, order=True)
class Quantity:
    """A whole number of units, at least one."""

    units: int

    def __post_init__(self) -> None:
        if type(self.units) is not int or self.units < 1:
            raise ValueError(f"Not a quantity: {self.units!r}")

    def __int__(self) -> int:
        return self.units
