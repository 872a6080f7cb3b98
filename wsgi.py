"""Entry point for production servers: `gunicorn wsgi:app`. The PDF renderer is loaded here,
as the server starts, so the first PDF someone opens is as quick as the next."""

import sys

from webpanel import StartupError, create_app
from webpanel.documents.pdf import warm_up

try:
    app = create_app()
except StartupError as refused:  # say why, without a traceback
    sys.exit(f"webpanel: {refused}")

with app.app_context():
    warm_up()
