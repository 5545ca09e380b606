"""Interoperability: CKAN-compatible shapes and queries (no web framework here)."""
