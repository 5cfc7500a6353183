"""Outbound (driven) adapters: SQLAlchemy and in-memory storage, AMQP publishing."""
