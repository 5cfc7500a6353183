"""ordering-kata: one ordering domain, four architectural styles, one HTTP contract.

Each sub-package under ``kata`` is a complete, independent variant (HTTP to database).
``kata.variants`` is the registry the CLI and the shared acceptance suite use.
"""
