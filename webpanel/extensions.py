"""Flask extensions as module globals, bound to the app in `create_app`."""

from flask_htmx import HTMX
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from webpanel.database import Database

db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
