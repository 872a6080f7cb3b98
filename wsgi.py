"""Entry point for production servers: `gunicorn wsgi:app`."""

import sys

from webpanel import StartupError, create_app

try:
    app = create_app()
except StartupError as refused:  # say why, without a traceback
    sys.exit(f"webpanel: {refused}")
