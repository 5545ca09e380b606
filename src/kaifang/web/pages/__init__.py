"""Server-rendered pages (Jinja2); every page reads without JavaScript."""
