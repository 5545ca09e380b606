"""Tamper-evident audit log: every state change and every denied attempt is recorded."""
