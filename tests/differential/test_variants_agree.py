"""Every registered variant answers every command sequence exactly like the first one.

One test per variant besides the reference (the first registered): with a single variant
registered there is nothing to compare and no test is collected. Each test runs
``--differential-examples`` random sequences (default 25) of up to 30 commands.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from kata import variants
from tests.differential.machine import run_differential, variant_target


def _agreement_test(reference: str, other: str) -> Callable[[int, Hashable], None]:
    def test(differential_examples: int, differential_seed: Hashable) -> None:
        run_differential(
            [variant_target(reference), variant_target(other)],
            examples=differential_examples,
            seed_value=differential_seed,
        )

    test.__name__ = test.__qualname__ = f"test_{other}_answers_like_{reference}"
    test.__doc__ = f"{other} answers every command sequence exactly like {reference}."
    test.compared_variant = other  # type: ignore[attr-defined]  # for --variant (conftest)
    return test


_REFERENCE, *_OTHERS = variants.names()
for _other in _OTHERS:
    _test = _agreement_test(_REFERENCE, _other)
    globals()[_test.__name__] = _test
