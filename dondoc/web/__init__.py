"""HTTP: agency link pages, the console and the JSON API (FastAPI + Jinja2, no CDN)."""
