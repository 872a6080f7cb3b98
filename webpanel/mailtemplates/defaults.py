"""The templates an office starts with: short, polite, in the sender's voice.

Each kind's subject and text live with the kind (webpanel.documents.kinds); here they get the
greeting and the close. The body stops at "Kind regards,": the person's signature (or,
without one, their name) follows once, so no name is said twice.
"""

from __future__ import annotations

from webpanel.documents.kinds import KINDS

GREETING = "{% if contact.person %}Dear {{ contact.person }},{% else %}Hello,{% endif %}\n\n"
CLOSE = "\n\nKind regards,"

#: kind -> default subject
DEFAULT_SUBJECTS: dict[str, str] = {key: kind.email_subject for key, kind in KINDS.items()}

#: kind -> default body: the greeting, the kind's text, the close
DEFAULT_BODIES: dict[str, str] = {key: GREETING + kind.email_text + CLOSE
                                  for key, kind in KINDS.items()}
