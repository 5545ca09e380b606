"""Catalogue search benchmark: generator, loader and runner (python -m bench.search.run)."""
