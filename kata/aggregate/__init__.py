"""Aggregate-root DDD variant (Evans; Vernon, "Effective Aggregate Design").

Two aggregates, ``Order`` and ``Product``, each a consistency boundary guarded by its root,
referring to each other by identity only, saved with optimistic concurrency by one
repository per root. Start with ``README.md``.
"""
