"""The ordering service's domain: the ``Order`` aggregate, its events, money and pricing.
Plain Python; stock is another service's business."""
