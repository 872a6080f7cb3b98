"""Entry point for production servers: `gunicorn wsgi:app`."""

from webpanel import create_app

app = create_app()
