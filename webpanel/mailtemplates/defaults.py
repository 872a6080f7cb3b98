"""The templates an office starts with: short, polite, in the sender's voice.

Each kind's subject and text live with the kind (webpanel.documents.kinds); here they get the
greeting (the editor's Greeting field, see `greeting`) and the close. No default holds
`{% %}`: what changes with the document is a placeholder computed in Python. The body stops
at "Kind regards,": the person's signature (or, without one, their name) follows once, so no
name is said twice.
"""

from __future__ import annotations

from webpanel.mailtemplates import greeting
from webpanel.mailtemplates.kinds import TEMPLATE_KINDS

GREETING = "dear"
CLOSE = "\n\nKind regards,"

#: template key -> default subject
DEFAULT_SUBJECTS: dict[str, str] = {key: kind.subject for key, kind in TEMPLATE_KINDS.items()}

#: template key -> default body: the greeting, the kind's text, the close
DEFAULT_BODIES: dict[str, str] = {key: greeting.join(GREETING, kind.text + CLOSE)
                                  for key, kind in TEMPLATE_KINDS.items()}
