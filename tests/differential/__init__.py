"""Differential tests: every registered variant, one random command sequence, equal answers."""
