"""Hexagonal variant (Cockburn's ports and adapters): not built yet."""
