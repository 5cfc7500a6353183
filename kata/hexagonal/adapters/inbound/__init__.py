"""Inbound (driving) adapters: HTTP (Flask) and AMQP (the payment-result consumer)."""
