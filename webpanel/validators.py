"""Field validators shared by every form: header-safe single lines, strict email addresses."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from wtforms import Field, Form
from wtforms.validators import ValidationError

ADDRESS_MESSAGE = "Enter one email address, like name@example.com."
LINE_BREAK_MESSAGE = "Line breaks are not allowed here. Keep it on one line."
#: Everything Python's str.splitlines() (and so the email package) takes for a line end.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
#: C0 controls (NUL, TAB, VT, FF, FS, GS, RS ...), DEL, C1 controls (NEL ...), U+2028, U+2029.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def unsafe_character(value: str) -> str | None:
    """The first character that must never reach a mail header, or None."""
    found = UNSAFE.search(value)
    return found.group() if found else None


def header_problem(value: str, line_break: str = LINE_BREAK_MESSAGE) -> str | None:
    """A plain message when `value` cannot go in a mail header, else None."""
    character = unsafe_character(value or "")
    if character is None:
        return None
    if character in LINE_BREAKS:
        return line_break
    if character == "\t":
        return "Tabs are not allowed here. Use a space instead."
    return (f"This contains an invisible control character (U+{ord(character):04X}), which is "
            "not allowed here. Delete it, or type the text again instead of pasting it.")


def single_line(_form: Form, field: Field) -> None:
    """Refuse line breaks and control characters: they could smuggle extra mail headers."""
    if isinstance(field.data, str):
        problem = header_problem(field.data)
        if problem:
            raise ValidationError(problem)


def normalize_address(value: str) -> str:
    """Check one address strictly (syntax only, no DNS) and return it normalised."""
    if "\r" in value or "\n" in value:
        raise ValueError(ADDRESS_MESSAGE)
    value = value.strip()
    if not value or unsafe_character(value) or any(ch in value for ch in ",;<>\"()"):
        raise ValueError(ADDRESS_MESSAGE)
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(ADDRESS_MESSAGE) from exc


def email_address(_form: Form, field: Field) -> None:
    """WTForms validator: exactly one valid address; stores the normalised form."""
    if not field.data:
        return
    try:
        field.data = normalize_address(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def parse_address_list(value: str) -> list[str]:
    """Split a To/Cc/Bcc field on commas or semicolons; every part must be one valid address."""
    problem = header_problem(value, "Line breaks are not allowed here. Separate addresses "
                                    "with commas.")
    if problem:
        raise ValueError(problem)
    parts = [part.strip() for part in value.replace(";", ",").split(",")]
    addresses = []
    for part in filter(None, parts):
        try:
            addresses.append(normalize_address(part))
        except ValueError:
            raise ValueError(f"“{part[:80]}” is not an email address. Separate several "
                             "addresses with commas, like a@example.com, b@example.com.") from None
    return list(dict.fromkeys(addresses))


def address_list(_form: Form, field: Field) -> None:
    """WTForms validator: a comma-separated list of valid addresses; stores the list."""
    try:
        field.data = ", ".join(parse_address_list(field.data or ""))
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
