"""Mark as paid: the day and the amount, checked against what is still due."""

from __future__ import annotations

import datetime
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms.validators import InputRequired, ValidationError

from webpanel.documents.fields import NumberField, PlainDateField
from webpanel.formatting import money_in

#: The earliest day a payment may carry (older means a typing mistake).
EARLIEST = datetime.date(2000, 1, 1)


class PaymentForm(FlaskForm):
    """One payment; `amount_due`, `currency`, `locale` and `today` are set by the view."""

    paid_on = PlainDateField("Date paid", validators=[InputRequired("Enter the day it was paid.")])
    amount = NumberField("Amount paid", what="amount", examples=("250.00",), places=None,
                         maximum=Decimal("9999999999.99"),
                         too_large="That amount is too large for an invoice.")

    def setup(self, amount_due: Decimal, currency: str, locale: str,
              today: datetime.date) -> PaymentForm:
        """Know the invoice's amount due and today, for the checks and the defaults."""
        self.amount_due, self.currency, self.locale, self.today = (
            amount_due, currency, locale, today)
        return self

    def validate_paid_on(self, field: PlainDateField) -> None:
        if field.data and field.data > self.today:
            raise ValidationError("A payment cannot be dated after today. Enter the day the "
                                  "money arrived.")
        if field.data and field.data < EARLIEST:
            raise ValidationError("Enter a day from the year 2000 on.")

    def validate_amount(self, field: NumberField) -> None:
        if field.data is None:
            raise ValidationError("Enter the amount paid, like 250.00.")
        if field.data <= 0:
            raise ValidationError("Enter an amount above 0.")
        if field.data > self.amount_due:
            due = money_in(self.amount_due, self.currency, self.locale)
            raise ValidationError(f"That is more than the {due} still due. Enter at most the "
                                  "amount due.")
