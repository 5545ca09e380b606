"""Accounts, regions and organizations (tenancy), sessions, tokens and the policy."""
