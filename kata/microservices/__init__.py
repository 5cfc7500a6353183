"""Microservices variant: two services, ``ordering`` and ``inventory``, sharing nothing but HTTP.

Each owns its database (its own engine and tables); no transaction spans both. Placing,
amending and cancelling orders move stock through an orchestrated saga whose log lives in the
ordering database, so a crash between steps is recovered. Start with ``README.md``.
"""
