"""The ordering service's inbound HTTP adapter: the public contract, on one port. Orders,
payments and the feed are this service's own; the catalogue is forwarded to inventory."""
