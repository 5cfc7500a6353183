"""The AMQP inbound adapter: payment results consumed from a RabbitMQ queue.

A second door to the ``Payments`` port, beside ``POST /payment-events``: the message body is
the same JSON, validated as strictly, and the message is acknowledged only after the use case
committed, so a crash redelivers it and the redelivery changes nothing (O10).
"""
