"""The greeting a template starts with, chosen in plain words instead of written as code.

The choice is kept in the body itself, as its first line (`{{ greeting.dear }}`), so it needs
no column of its own and old bodies (a hand-written greeting, `{% if %}` and all) keep working:
they simply start with no chosen greeting. The editor shows the choice as its Greeting field
and the rest as the Body; saving puts them back together. The greeting's words are computed
in Python from the contact person, as every other value: never read as a template.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Greeting(NamedTuple):
    """What the Greeting field says, and the line with and without a contact person."""

    choice: str
    with_person: str
    without: str


NONE = "none"
#: Each greeting by key (its placeholder is greeting.<key>).
GREETINGS: dict[str, Greeting] = {
    "dear": Greeting("Dear <contact person>, or Dear Sir or Madam,", "Dear {person},",
                     "Dear Sir or Madam,"),
    "hello": Greeting("Hello <contact person>, or Hello,", "Hello {person},", "Hello,"),
}
#: The Greeting field's choices, "None" last.
CHOICES: list[tuple[str, str]] = [(key, greeting.choice) for key, greeting in GREETINGS.items()]
CHOICES.append((NONE, "None"))

_FIRST_LINE = re.compile(r"\A[ \t]*\{\{-?[ \t]*greeting\.(" + "|".join(GREETINGS)
                         + r")[ \t]*-?\}\}[ \t]*(?:\n|\Z)(?:[ \t]*\n)*")


def lines(person: str) -> dict[str, str]:
    """Every greeting line for this contact person (the polite form without one)."""
    person = " ".join(person.split())
    return {key: greeting.with_person.format(person=person) if person else greeting.without
            for key, greeting in GREETINGS.items()}


def placeholder(key: str) -> str:
    """The placeholder a greeting is stored as."""
    return f"{{{{ greeting.{key} }}}}"


def split(body: str) -> tuple[str, str]:
    """The greeting a stored body starts with (NONE when it starts otherwise), and the rest."""
    body = body.replace("\r\n", "\n")
    match = _FIRST_LINE.match(body)
    return (match.group(1), body[match.end():]) if match else (NONE, body)


def join(key: str | None, rest: str) -> str:
    """The body to store: the chosen greeting's line, a blank line, then the rest."""
    if key not in GREETINGS:
        return rest
    return f"{placeholder(key)}\n\n{rest}"
