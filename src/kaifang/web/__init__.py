"""The only place that speaks HTTP: JSON API, pages, templates and static assets."""
