"""Every template the Email templates page edits: one per kind of document, then one per level
of the office's payment reminder plan ("Reminder 1" ... "Reminder 4"), each with its tab,
address and default words. Reminder templates preview and fill in with an invoice's values.
"""

from __future__ import annotations

from dataclasses import dataclass

from webpanel.documents.kinds import KINDS

#: How many levels a reminder plan may have (each its own template).
REMINDER_LEVELS = 4


@dataclass(frozen=True)
class TemplateKind:
    """One template's tab: its key in mail_templates.kind, title, slug, who it goes to, the
    kind of document it is filled in from, and its default subject and text."""

    key: str
    title: str
    slug: str
    contact_kind: str
    document_kind: str
    subject: str
    text: str


_OPEN = "{{ document.amount_due }} of it is still open."
_CLOSE = ("If you have already paid, thank you, and please disregard this email. The invoice "
          "is attached again.")
#: Reminder level -> default (subject, text): friendly before and on the due date, then firmer.
REMINDER_TEXTS: dict[int, tuple[str, str]] = {
    1: ("Reminder: invoice {{ document.number }} is due on {{ document.due_date }}",
        "This is a friendly reminder that invoice {{ document.number }} of {{ document.date }} "
        f"for {{{{ document.total }}}} is due on {{{{ document.due_date }}}}. {_OPEN}\n\n{_CLOSE}"),
    2: ("Invoice {{ document.number }} is due today",
        "Invoice {{ document.number }} of {{ document.date }} for {{ document.total }} is due "
        f"today. {_OPEN}\n\n{_CLOSE}"),
    3: ("Payment overdue: invoice {{ document.number }}",
        "Our records show that invoice {{ document.number }}, due on {{ document.due_date }}, "
        "is now {{ document.days_overdue }} days overdue. The amount due is "
        "{{ document.amount_due }}. Please arrange payment soon, or reply to this email if "
        f"anything about the invoice is unclear.\n\n{_CLOSE}"),
    4: ("Second notice: invoice {{ document.number }} is {{ document.days_overdue }} days overdue",
        "Invoice {{ document.number }}, due on {{ document.due_date }}, is still unpaid "
        "{{ document.days_overdue }} days later. Please pay the {{ document.amount_due }} due "
        "within the next few days, or reply to let us know when we can expect payment.\n\n"
        f"{_CLOSE}"),
}


def reminder_key(level: int) -> str:
    """The template key of a reminder level: reminder_1 ..."""
    return f"reminder_{level}"


def _entries() -> list[TemplateKind]:
    documents = [TemplateKind(k.key, k.title, k.slug, k.contact_kind, k.key, k.email_subject,
                              k.email_text) for k in KINDS.values()]
    reminders = [TemplateKind(reminder_key(level), f"Reminder {level}", f"reminder-{level}",
                              "customer", "invoice", *REMINDER_TEXTS[level])
                 for level in range(1, REMINDER_LEVELS + 1)]
    return documents + reminders


#: Every template by key, in the order the page's tabs list them.
TEMPLATE_KINDS: dict[str, TemplateKind] = {entry.key: entry for entry in _entries()}


def by_slug(slug: str) -> TemplateKind:
    """The template whose tab is at `slug`; KeyError for none (routes take only slug_rule's)."""
    for entry in TEMPLATE_KINDS.values():
        if entry.slug == slug:
            return entry
    raise KeyError(slug)


def slug_rule() -> str:
    """The URL rule part that accepts any template's slug as `slug`."""
    return f"<any({', '.join(repr(e.slug) for e in TEMPLATE_KINDS.values())}):slug>"
