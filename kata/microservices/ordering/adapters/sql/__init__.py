"""The ordering service's own database: orders, the saga log, idempotency keys, the outbox."""
