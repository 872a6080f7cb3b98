"""The quick widgets write exactly the HTML WTForms' own widgets write: the same attributes in
the same order, the same escaping, the chosen option selected, flags as attributes."""

from __future__ import annotations

import datetime

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DateField, EmailField, Form, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.widgets import (
    DateInput,
    EmailInput,
    Select,
    TextArea,
    TextInput,
    TimeInput,
    html_params,
)

from webpanel.widgets import (
    QuickDateInput,
    QuickEmailInput,
    QuickRadioInput,
    QuickSelect,
    QuickTextArea,
    QuickTextInput,
    QuickTimeInput,
    quick_params,
)

HOSTILE = 'Tom & "Jerry" <script>alert(\'x\')</script>'


def pair(field_class, slow, quick, **kwargs) -> type[Form]:
    """A form with the same field twice: WTForms' widget and the quick one."""
    class Both(Form):
        slow_field = field_class(widget=slow, **kwargs)
        quick_field = field_class(widget=quick, **kwargs)
    return Both


def same(form: Form, **attrs) -> str:
    """Both fields' HTML, once the names are made equal; asserts they are the same."""
    slow = str(form.slow_field(**attrs)).replace("slow_field", "F")
    quick = str(form.quick_field(**attrs)).replace("quick_field", "F")
    assert quick == slow
    return quick


@pytest.mark.parametrize("attrs", [
    {}, {"name": "x", "id": "f", "class_": "text"},
    {"checked": True, "readonly": False, "abc": HOSTILE, "n": 5},
    {"aria_describedby": "a-hint a-error", "aria_invalid": "true", "data_choices_url": "/c?q=1&x"},
])
def test_attributes_are_written_as_wtforms_writes_them(attrs):
    assert quick_params(**attrs) == html_params(**attrs)


@pytest.mark.parametrize("data", [None, "", "plain", HOSTILE])
def test_text_boxes_and_areas_match(data):
    for field_class, slow, quick in ((StringField, TextInput(), QuickTextInput()),
                                     (TextAreaField, TextArea(), QuickTextArea()),
                                     (EmailField, EmailInput(), QuickEmailInput()),
                                     (StringField, TimeInput(), QuickTimeInput())):
        form = pair(field_class, slow, quick, validators=[InputRequired(), Length(max=300)])(
            data={"slow_field": data, "quick_field": data})
        html = same(form, aria_describedby="F-hint", aria_invalid=False, maxlength=300)
        assert "required" in html and 'maxlength="300"' in html
        if data == HOSTILE:
            assert "<script>" not in html and "&lt;script&gt;" in html


def test_date_boxes_match_typed_or_stored():
    form_class = pair(DateField, DateInput(), QuickDateInput())
    same(form_class(data={"slow_field": datetime.date(2026, 12, 6),
                          "quick_field": datetime.date(2026, 12, 6)}))
    same(form_class(MultiDict({"slow_field": "not a date", "quick_field": "not a date"})))


@pytest.mark.parametrize("chosen", [None, 7, "new", 12345])
def test_select_options_and_the_chosen_one_match(chosen):
    choices = [SelectChoice("", "Choose a customer…"), SelectChoice("new", "Add new customer…"),
               *[SelectChoice(n, f"Customer {n} {HOSTILE}") for n in range(1, 40)]]
    form_class = pair(SelectField, Select(), QuickSelect(), choices=choices,
                      coerce=lambda v: v if v in ("", "new") or v is None else int(v),
                      validate_choice=False)
    html = same(form_class(data={"slow_field": chosen, "quick_field": chosen}),
                data_contact_choice="new", aria_describedby="F-hint")
    assert html.count("<option") == len(choices) and "<script>" not in html
    assert html.count(" selected ") == (0 if chosen in (None, 12345) else 1)


def test_select_with_option_attributes_bools_and_groups_match():
    plain = [SelectChoice(True, "Yes"), SelectChoice(False, "No", render_kw={"disabled": True})]
    form_class = pair(SelectField, Select(), QuickSelect(), choices=plain, coerce=str)
    same(form_class(data={"slow_field": "True", "quick_field": "True"}))
    grouped = [SelectChoice("a", "A", optgroup="First"), SelectChoice("b", "B", optgroup="Two")]
    form_class = pair(SelectField, Select(), QuickSelect(), choices=grouped,
                      validators=[InputRequired()])
    assert "<optgroup" in same(form_class(data={"slow_field": "b", "quick_field": "b"}))


def test_radio_buttons_match():
    class Both(Form):
        slow_field = RadioField(choices=[SelectChoice("now", "Send now"),
                                         SelectChoice("later", HOSTILE)], default="now")
        quick_field = RadioField(choices=[SelectChoice("now", "Send now"),
                                          SelectChoice("later", HOSTILE)], default="now",
                                 option_widget=QuickRadioInput())
    form = Both()
    for slow, quick in zip(form.slow_field, form.quick_field, strict=True):
        assert str(quick(data_x="1")).replace("quick_field", "F") == \
            str(slow(data_x="1")).replace("slow_field", "F")
    assert "checked" in str(next(iter(form.quick_field))())
