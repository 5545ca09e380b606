"""Catalogue search: indexing datasets and querying them (SQLite FTS5 or PostgreSQL full-text)."""
