"""Form widgets that write the same HTML as WTForms' own, for less.

WTForms writes every attribute through `html_params`, which formats each one with
`Markup.format` (about 65 µs for an input's seven attributes), and every <option> of a
<select> the same way: a document form's boxes and its Customer list of 100 cost most of its
page. These widgets write the attributes with plain f-strings over the same escaping, so the
page reads and behaves the same (tests/unit/test_widgets.py compares the HTML).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from wtforms import SelectField
from wtforms.widgets import (
    DateInput,
    EmailInput,
    RadioInput,
    Select,
    TextArea,
    TextInput,
    TimeInput,
)
from wtforms.widgets.core import clean_key


def quick_params(**kwargs: Any) -> Markup:
    """`wtforms.widgets.html_params`'s output: sorted attributes, True bare, False left out,
    values escaped (`escape` already writes a double quote as &#34;)."""
    parts = []
    for key, value in sorted(kwargs.items()):
        if value is True:
            parts.append(clean_key(key))
        elif value is not False:
            parts.append(f'{escape(clean_key(key))}="{escape(value)}"')
    return Markup(" ".join(parts))


class QuickTextInput(TextInput):
    """A text box (WTForms' TextInput, with quick attributes)."""

    html_params = staticmethod(quick_params)


class QuickDateInput(DateInput):
    """A date box (WTForms' DateInput, with quick attributes)."""

    html_params = staticmethod(quick_params)


class QuickTimeInput(TimeInput):
    """A time box (WTForms' TimeInput, with quick attributes)."""

    html_params = staticmethod(quick_params)


class QuickEmailInput(EmailInput):
    """An email address box (WTForms' EmailInput, with quick attributes)."""

    html_params = staticmethod(quick_params)


class QuickRadioInput(RadioInput):
    """One radio button (WTForms' RadioInput, with quick attributes)."""

    html_params = staticmethod(quick_params)


def _flag_attrs(widget: Any, field: Any, kwargs: dict[str, Any]) -> None:
    """The field's validation flags the widget writes as attributes (as WTForms does)."""
    flags = getattr(field, "flags", {})
    for name in dir(flags):
        if name in widget.validation_attrs and name not in kwargs:
            kwargs[name] = getattr(flags, name)


class QuickTextArea(TextArea):
    """A text area (WTForms' TextArea, with quick attributes)."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        _flag_attrs(self, field, kwargs)
        params = quick_params(name=field.name, **kwargs)
        return Markup(f"<textarea {params}>\r\n{escape(field._value())}</textarea>")


class QuickSelect(Select):
    """A <select> whose plain options are written straight, its choices read once (WTForms
    reads them again for `has_groups` and for each option's `selected`). Options with
    attributes of their own, grouped lists, several choices, and fields that choose their
    options another way go WTForms' way."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        if self.multiple or type(field).iter_choices is not SelectField.iter_choices:
            return super().__call__(field, **kwargs)
        choices = field._choices_from_input(field.choices) or []
        if any(choice.optgroup is not None or choice.render_kw for choice in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        _flag_attrs(self, field, kwargs)
        html = [f"<select {quick_params(name=field.name, **kwargs)}>"]
        coerce, data = field.coerce, field.data
        for choice in choices:
            value = str(choice.value) if isinstance(choice.value, bool) else choice.value
            flag = "selected " if coerce(choice.value) == data else ""
            html.append(f'<option {flag}value="{escape(value)}">'
                        f"{escape(choice.label or choice.value)}</option>")
        html.append("</select>")
        return Markup("".join(html))
