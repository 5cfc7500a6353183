"""The ordering service: orders, payments and the feed, in its own database (tables ``mo_``).

Inside, ports and adapters (small: only what this service needs). It reaches the inventory
service through an outbound port, ``Inventory``, with two adapters: an API proxy over HTTP
(timeouts, retries, a circuit breaker) and an in-process one for fast tests. It orchestrates
the sagas that move stock, and keeps their log in its own database.
"""
