"""A person's signed-in Google or Microsoft account and its encrypted tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webpanel.database import Base, utcnow


class OAuthAccount(Base):
    """One user's connection to one provider ("google" or "microsoft")."""

    __tablename__ = "oauth_accounts"
    __table_args__ = (UniqueConstraint("user_id", "provider", name="uq_oauth_accounts_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254), default="")
    access_token_enc: Mapped[str | None] = mapped_column(Text, default=None)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text, default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    scope: Mapped[str] = mapped_column(Text, default="")
    authorized_at: Mapped[datetime] = mapped_column(default=utcnow)
    refreshed_at: Mapped[datetime | None] = mapped_column(default=None)
    needs_reconnect: Mapped[bool] = mapped_column(default=False)
    # Who is refreshing the tokens now, until when (see webpanel.oauth.tokens): one at a time.
    refresh_lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    refresh_lease_until: Mapped[datetime | None] = mapped_column(default=None)
    # Sign-in health (webpanel.oauth.health): what the tabs and the home page warn about.
    refresh_failed_at: Mapped[datetime | None] = mapped_column(default=None)
    refresh_error: Mapped[str] = mapped_column(String(300), default="", server_default="")
    last_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    # When Google ends the sign-in (its `refresh_token_expires_in`: an app in Testing, or
    # access the person granted for a limited time); None when it does not end by itself.
    refresh_expires_at: Mapped[datetime | None] = mapped_column(default=None)
