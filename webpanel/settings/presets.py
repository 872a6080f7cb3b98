"""Recommended SMTP settings for well-known providers, chosen by the address's domain."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """A provider's SMTP server, port and security, with what to know before using it."""

    provider: str
    server: str
    port: int
    security: str
    caveat: str


GMAIL_CAVEAT = ("Gmail accepts SMTP only with an app password (Google Account → Security → "
                "App passwords), not your normal password. The Gmail tab needs no password at all.")
MICROSOFT_CAVEAT = ("Microsoft is retiring password sign-in for SMTP; it may already be off for "
                    "your account. The Outlook tab is the way forward.")
APP_PASSWORD = ("{provider} needs an app password for SMTP, made in your account's "
                "security settings.")

PRESETS: dict[str, Preset] = {}


def _add(domains: tuple[str, ...], preset: Preset) -> None:
    for domain in domains:
        PRESETS[domain] = preset


_add(("gmail.com", "googlemail.com"),
     Preset("Gmail", "smtp.gmail.com", 465, "ssl", GMAIL_CAVEAT))
_add(("outlook.com", "hotmail.com", "live.com", "msn.com", "office365.com", "onmicrosoft.com"),
     Preset("Microsoft 365 / Outlook.com", "smtp.office365.com", 587, "tls", MICROSOFT_CAVEAT))
_add(("yahoo.com", "ymail.com", "rocketmail.com"),
     Preset("Yahoo Mail", "smtp.mail.yahoo.com", 465, "ssl", APP_PASSWORD.format(provider="Yahoo")))
_add(("icloud.com", "me.com", "mac.com"),
     Preset("iCloud Mail", "smtp.mail.me.com", 587, "tls",
            APP_PASSWORD.format(provider="iCloud")))
_add(("zoho.com", "zohomail.com"),
     Preset("Zoho Mail", "smtp.zoho.com", 465, "ssl",
            "Zoho needs an app password if two-factor sign-in is on."))
_add(("fastmail.com", "fastmail.fm"),
     Preset("Fastmail", "smtp.fastmail.com", 465, "ssl", APP_PASSWORD.format(provider="Fastmail")))
_add(("aol.com",), Preset("AOL Mail", "smtp.aol.com", 465, "ssl",
                          APP_PASSWORD.format(provider="AOL")))
_add(("gmx.com", "gmx.net", "gmx.de"),
     Preset("GMX", "mail.gmx.com", 587, "tls",
            "GMX sends by SMTP only after you allow it in GMX's settings (POP3/IMAP access)."))


def for_address(address: str) -> Preset | None:
    """The preset for an address's domain (or a subdomain of a known one), or None."""
    domain = address.rpartition("@")[2].lower().strip()
    while domain:
        if domain in PRESETS:
            return PRESETS[domain]
        domain = domain.partition(".")[2]
    return None
