"""Hexagonal variant (Alistair Cockburn's ports and adapters).

The inside (``domain`` and ``application``) knows nothing of the outside: it speaks through
ports, which adapters implement (HTTP and AMQP in; SQLAlchemy, memory and AMQP out), and
``bootstrap`` wires them. Start with ``README.md``.
"""
