"""The inventory service: the catalogue and the stock, in its own database (tables ``mi_``).

It serves the contract's ``/products`` endpoints, and two endpoints of its own for the
ordering service: quotes (today's prices) and reservations (the units held for an order).
"""
