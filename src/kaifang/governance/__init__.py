"""Open lists (开放清单), statistics, the open index (开放指数) and operations reports."""
