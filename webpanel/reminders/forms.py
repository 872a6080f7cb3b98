"""The reminder plan form: up to four levels (days from the due date), the hour and zone."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from webpanel.mailtemplates.kinds import REMINDER_LEVELS
from webpanel.zonefield import ZoneField

#: How far from the due date a level may be, in days.
EARLIEST, LATEST = -60, 365


def read_days(text: str) -> int | None:
    """A level's typed days ("-3", "0", "7"); None when empty; ValueError with plain words."""
    text = (text or "").strip().replace("\u2212", "-")
    if not text:
        return None
    sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text.lstrip("+"))
    if not digits.isdigit() or len(digits) > 3:
        raise ValueError("Enter a whole number of days, like -3 (before), 0 or 7 (after).")
    days = sign * int(digits)
    if not EARLIEST <= days <= LATEST:
        raise ValueError(f"Enter a number from {EARLIEST} to {LATEST}.")
    return days


class PlanForm(FlaskForm):
    """The office's plan; `days()` gives the levels in order once it validates."""

    hour = SelectField("Hour reminders go", coerce=int, default=8,
                       choices=[SelectChoice(h, f"{h:02d}:00") for h in range(24)])
    time_zone = ZoneField("Office time zone", default="UTC", validate_choice=True)

    def days(self) -> list[int]:
        """The levels filled in, Reminder 1 first (checked by `validate`)."""
        values = [read_days(self[f"level_{n}"].data) for n in range(1, REMINDER_LEVELS + 1)]
        return [days for days in values if days is not None]

    def validate(self, extra_validators=None) -> bool:
        """Each level readable, none after an empty one, each later than the one before."""
        valid = super().validate(extra_validators)
        previous, gap = None, False
        for n in range(1, REMINDER_LEVELS + 1):
            field = self[f"level_{n}"]
            try:
                days = read_days(field.data)
            except ValueError as problem:
                field.errors = [*field.errors, str(problem)]
                valid = False
                continue
            if days is None:
                gap = True
                continue
            if gap:
                field.errors = [*field.errors, f"Fill in Reminder {n - 1} first: reminders "
                                "go in order."]
                valid = False
            elif previous is not None and days <= previous:
                field.errors = [*field.errors, f"Reminder {n} must come after Reminder "
                                f"{n - 1} ({previous} days): enter a larger number."]
                valid = False
            previous = days
        return valid


for _n in range(1, REMINDER_LEVELS + 1):
    setattr(PlanForm, f"level_{_n}", StringField(
        f"Reminder {_n}: days from the due date", render_kw={"inputmode": "numeric",
                                                          "autocomplete": "off"}))
