"""The SQLAlchemy storage adapter: tables, data mappers per aggregate root, the outbox and a
unit of work, implementing the application's outbound storage ports."""
