"""The AMQP outbound adapter: the ``EventPublisher`` port on RabbitMQ, and the relay worker.

Committed events go to the durable topic exchange ``kata.events``, routing key = event type,
body = the event JSON of spec section 4 (as ``GET /events`` shows it), at least once: a
consumer that must not act twice deduplicates on ``seq`` (also the message id).
"""
