"""Field validators shared by every form: single lines, strict email addresses."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from wtforms import Field, Form
from wtforms.validators import ValidationError

ADDRESS_MESSAGE = "Enter one email address, like name@example.com."


def single_line(_form: Form, field: Field) -> None:
    """Refuse CR and LF: they would let a value smuggle extra mail headers."""
    if field.data and ("\r" in field.data or "\n" in field.data):
        raise ValidationError("Line breaks are not allowed here. Keep it on one line.")


def normalize_address(value: str) -> str:
    """Check one address strictly (syntax only, no DNS) and return it normalised."""
    if "\r" in value or "\n" in value:
        raise ValueError(ADDRESS_MESSAGE)
    value = value.strip()
    if not value or any(ch in value for ch in ",;<>\"()"):
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
    if "\r" in value or "\n" in value:
        raise ValueError("Line breaks are not allowed here. Separate addresses with commas.")
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
