"""Aggregate-root DDD variant (Evans' aggregates, repositories per root): not built yet."""
