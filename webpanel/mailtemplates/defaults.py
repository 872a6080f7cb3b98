"""The templates an office starts with: short, polite, in the sender's voice.

The body stops at "Kind regards,": the person's signature (or, without one, their name)
follows once, so no name is said twice.
"""

from __future__ import annotations

GREETING = "{% if contact.person %}Dear {{ contact.person }},{% else %}Hello,{% endif %}\n\n"
CLOSE = "\n\nKind regards,"

DEFAULT_SUBJECTS = {
    "proposal": "Proposal {{ document.number }} from {{ company.name }}",
    "sales_order": "Order confirmation {{ document.number }} from {{ company.name }}",
    "invoice": "Invoice {{ document.number }} from {{ company.name }}",
    "purchase_order": "Purchase order {{ document.number }} from {{ company.name }}",
}

DEFAULT_BODIES = {
    "proposal": GREETING + (
        "Thank you for your interest. Attached is our proposal {{ document.number }} of "
        "{{ document.date }}, for a total of {{ document.total }}.\n\n"
        "If you have any questions or would like to change anything, just reply to this email. "
        "We look forward to working with you.") + CLOSE,
    "sales_order": GREETING + (
        "Thank you for your order. Attached is our order confirmation {{ document.number }} of "
        "{{ document.date }}, for a total of {{ document.total }}.\n\n"
        "Please check that everything is as you expect and let us know if anything needs "
        "changing.") + CLOSE,
    "invoice": GREETING + (
        "Please find attached invoice {{ document.number }} of {{ document.date }} for "
        "{{ document.total }}.{% if document.due_date %} Payment is due by "
        "{{ document.due_date }}.{% endif %}\n\n"
        "Thank you for your business. If you have any questions about this invoice, "
        "just reply to this email.") + CLOSE,
    "purchase_order": GREETING + (
        "Please find attached our purchase order {{ document.number }} of {{ document.date }}, "
        "for a total of {{ document.total }}.\n\n"
        "Kindly confirm the order and let us know the expected delivery date.") + CLOSE,
}
