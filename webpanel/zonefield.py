"""The Time zone choice: a real <select> of the ~500 IANA zones, grouped by region.

Building 500 options through WTForms on every page cost most of the General tab's time. The
options are escaped and joined once per process (`zone_options`); a render copies that list
and swaps in the one `selected` option of the person's zone, so no selection is ever cached.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from markupsafe import Markup, escape
from wtforms import SelectField
from wtforms.widgets import html_params

from webpanel import timefmt


class ZoneOptions(NamedTuple):
    """The <select>'s inner HTML in pieces, where each zone's option sits, and its selected
    form."""

    parts: tuple[str, ...]
    index: dict[str, int]
    selected: dict[str, str]


def zone_label(name: str) -> str:
    """A zone's name inside its region's group, as people read it: "New York" for
    "America/New_York", "Argentina / Buenos Aires" for "America/Argentina/Buenos_Aires"."""
    place = name.split("/", 1)[-1]
    return place.replace("_", " ").replace("/", " / ")


def region(name: str) -> str:
    """A zone's region ("Europe" for "Europe/Paris"); "" for UTC, which stands alone."""
    return name.split("/", 1)[0] if "/" in name else ""


def _option(value: str, label: str, selected: bool = False) -> str:
    """One <option>, escaped, written the way WTForms writes it."""
    flag = "selected " if selected else ""
    return f'<option {flag}value="{escape(value)}">{escape(label)}</option>'


@cache
def zone_options() -> ZoneOptions:
    """Every zone's option, UTC first and alone, then one <optgroup> per region."""
    parts: list[str] = []
    index: dict[str, int] = {}
    selected: dict[str, str] = {}
    group = None
    for name in timefmt.zone_names():
        if region(name) != group:
            if group:
                parts.append("</optgroup>")
            group = region(name)
            if group:
                parts.append(f'<optgroup label="{escape(group)}">')
        label = zone_label(name) if group else name
        index[name] = len(parts)
        parts.append(_option(name, label))
        selected[name] = _option(name, label, selected=True)
    if group:
        parts.append("</optgroup>")
    return ZoneOptions(tuple(parts), index, selected)


def zone_choices() -> list[tuple[str, str]]:
    """The (value, label) pairs, for code that reads a field's `choices`."""
    return [(name, name.replace("_", " ")) for name in timefmt.zone_names()]


class ZoneSelect:
    """A <select> widget that renders the cached options and marks `field.data` selected."""

    def __call__(self, field: SelectField, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        options = zone_options()
        parts = list(options.parts)
        at = options.index.get(field.data or "")
        if at is not None:
            parts[at] = options.selected[field.data]
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{''.join(parts)}"
                      "</select>")


class ZoneField(SelectField):
    """A SelectField of the IANA zones, grouped by region, cheap to render."""

    widget = ZoneSelect()

    def __init__(self, label: str | None = None, validators=None, **kwargs: Any) -> None:
        kwargs.setdefault("choices", zone_choices)
        super().__init__(label, validators, **kwargs)
