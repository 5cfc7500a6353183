"""Application services: one class per inbound port, built with outbound ports only."""
