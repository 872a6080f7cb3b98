"""Every model, gathered so Alembic sees the whole schema."""

from webpanel.auth.models import LoginSession, RateEvent, User
from webpanel.database import Base
from webpanel.outbox.models import Message, MessageBody
from webpanel.settings.models import EmailSettings

metadata = Base.metadata

__all__ = ["EmailSettings", "LoginSession", "Message", "MessageBody", "RateEvent", "User",
           "metadata"]
