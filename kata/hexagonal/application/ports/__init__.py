"""Ports: the only shapes the inside and the outside share."""
