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
    tab: str | None = None  # the API tab that works without a password ("gmail", "outlook")
    password_works: bool = True  # False: the provider refuses passwords over SMTP


GMAIL_CAVEAT = ("Gmail accepts SMTP only with an app password (Google Account → Security → "
                "App passwords), not your normal password. The Gmail tab needs no password at all.")
OUTLOOK_COM_CAVEAT = ("Outlook.com and Hotmail stopped accepting passwords over SMTP on "
                      "16 September 2024: these settings will not work with a password. Use the "
                      "Outlook tab (Sign in to Outlook) instead.")
MICROSOFT_365_CAVEAT = ("Microsoft 365 accepts a password over SMTP only if an administrator has "
                        "enabled SMTP AUTH for your mailbox. Microsoft turns it off by default "
                        "for existing tenants at the end of December 2026; administrators can "
                        "turn it back on until it is removed (announced for 2027). The Outlook "
                        "tab needs no password.")
WORKSPACE_CAVEAT = ("Google Workspace accepts SMTP only with an app password (2-Step "
                    "Verification on, and app passwords allowed by your administrator), not "
                    "your normal password. The Gmail tab needs no password at all.")
APP_PASSWORD = ("{provider} needs an app password for SMTP, made in your account's "
                "security settings.")

PRESETS: dict[str, Preset] = {}


def _add(domains: tuple[str, ...], preset: Preset) -> None:
    for domain in domains:
        PRESETS[domain] = preset


GMAIL = Preset("Gmail", "smtp.gmail.com", 465, "ssl", GMAIL_CAVEAT, "gmail")
GOOGLE_WORKSPACE = Preset("Google Workspace", "smtp.gmail.com", 465, "ssl", WORKSPACE_CAVEAT,
                          "gmail")
OUTLOOK_COM = Preset("Outlook.com / Hotmail", "smtp.office365.com", 587, "tls",
                     OUTLOOK_COM_CAVEAT, "outlook", password_works=False)
MICROSOFT_365 = Preset("Microsoft 365", "smtp.office365.com", 587, "tls", MICROSOFT_365_CAVEAT,
                       "outlook")

_add(("gmail.com", "googlemail.com"), GMAIL)
_add(("outlook.com", "hotmail.com", "live.com", "msn.com"), OUTLOOK_COM)
_add(("office365.com", "onmicrosoft.com"), MICROSOFT_365)
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
