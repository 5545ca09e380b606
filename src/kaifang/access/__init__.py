"""Conditional opening (受限开放): applications, reviews, grants, usage reports, developer keys,
rate limits, quotas and call logs. Other domains and the web layer use :mod:`.service`."""
