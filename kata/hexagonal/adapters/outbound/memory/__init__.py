"""The in-memory adapters: every outbound port without a database, a broker or a real clock.

* ``unit_of_work``: adapter for the storage ports (``UnitOfWorkFactory``, ``UnitOfWork``,
  ``ProductRepository``, ``OrderRepository``, ``IdempotencyKeys``) on a ``MemoryStore``
  shared by its units of work, with the same contract as the SQLAlchemy adapter (the
  contract tests in ``tests/hexagonal/test_adapter_contract.py`` run against both);
* ``publisher``: adapter for ``EventPublisher`` that keeps what it is given;
* ``clock`` and ``ids``: adapters for ``Clock`` and ``IdGenerator`` that answer predictably.

They let the use cases run whole in a test in microseconds, and show that the inside really
depends on the ports only.
"""
