"""Kaifang (开放): a public-data open platform."""

__version__ = "0.1.0"
