"""Connectors and readers that turn outside formats into the canonical tables."""
