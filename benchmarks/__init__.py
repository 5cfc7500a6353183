"""Benchmarks: they print figures as ratios measured in one run; tests never time anything."""
