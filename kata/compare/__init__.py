"""``kata compare``: the variants measured side by side, so every claim about a style has evidence.

Nothing here belongs to a variant: it drives each variant's Flask app from outside, through
the HTTP contract, and reads its source files. See ``report.py`` for what it writes.
"""
