"""Every model, gathered so Alembic sees the whole schema."""

from webpanel.auth.models import Invitation, LoginSession, User
from webpanel.bounces.models import BounceReport, BounceScan, MessageEnvelope
from webpanel.bulkmail.models import Batch, BatchItem
from webpanel.company.models import Company, OfficeMail
from webpanel.contacts.models import Contact
from webpanel.database import Base
from webpanel.documents.models import Document, DocumentCounter, DocumentLine
from webpanel.integrations.models import IntegrationSettings
from webpanel.mailtemplates.models import MailTemplate, TemplateFile
from webpanel.oauth.models import OAuthAccount
from webpanel.outbox.models import Message, MessageBody, SentCopy
from webpanel.payments.models import Payment
from webpanel.recurring.models import Run, Schedule
from webpanel.reminders.models import Reminder, ReminderLevel
from webpanel.settings.models import EmailSettings, ImapSettings, KnownMailServer
from webpanel.throttle import RateEvent

metadata = Base.metadata

__all__ = ["Company", "Contact", "Document", "DocumentCounter", "DocumentLine", "EmailSettings",
           "IntegrationSettings", "Invitation", "KnownMailServer", "LoginSession", "MailTemplate",
           "Message", "MessageBody", "OfficeMail",
           "BounceReport", "BounceScan", "MessageEnvelope", "Batch", "BatchItem",
           "ImapSettings", "SentCopy",
           "OAuthAccount", "Payment", "Reminder", "ReminderLevel", "RateEvent", "Run",
           "Schedule", "TemplateFile", "User", "metadata"]
