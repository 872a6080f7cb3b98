"""The templates an office starts with: short, polite, in the sender's voice.

Each kind's subject and text live with the kind (webpanel.documents.kinds); here they get the
greeting (the editor's Greeting field, see `greeting`) and the close. No default holds
`{% %}`: what changes with the document is a placeholder computed in Python. The body stops
at "Kind regards,": the person's signature (or, without one, their name) follows once, so no
name is said twice.
"""

from __future__ import annotations

from webpanel.documents.kinds import KINDS
from webpanel.mailtemplates import greeting

GREETING = "dear"
CLOSE = "\n\nKind regards,"

#: kind -> default subject
DEFAULT_SUBJECTS: dict[str, str] = {key: kind.email_subject for key, kind in KINDS.items()}

#: kind -> default body: the greeting, the kind's text, the close
DEFAULT_BODIES: dict[str, str] = {key: greeting.join(GREETING, kind.email_text + CLOSE)
                                  for key, kind in KINDS.items()}
