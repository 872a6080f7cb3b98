"""Every value printed on a PDF, cut into runs by script, so that each run has a font that
draws it: Latin stays in DejaVu Sans, Japanese, Chinese and Korean runs get a CJK font.

The PDF templates print through one Jinja ``finalize`` (``PdfText.mark``): a company name, an
address, an item, a note or a date in any language is escaped and marked in this one place.
Han characters look different in Japanese and Chinese, so a value with kana (or a Japanese
office's value whose Han IPAex Gothic has) prefers the Japanese face; others Droid Sans Fallback.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable

from flask import Flask
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from webpanel.documents.pdf_fonts import (
    CJK,
    JAPANESE,
    SANS,
    WORLD,
    WORLD_SERIF,
    Face,
    FontSet,
    coverage,
)

KANA, HANGUL, HAN = "kana", "hangul", "han"
#: (first, last, script) of the CJK blocks; "han" also stands for CJK punctuation and full-width
#: forms, which every CJK face has and DejaVu Sans has not.
_BLOCKS = (
    (0x1100, 0x11FF, HANGUL), (0x2E80, 0x2FDF, HAN), (0x2FF0, 0x303F, HAN),
    (0x3040, 0x30FF, KANA), (0x3100, 0x312F, HAN), (0x3130, 0x318F, HANGUL),
    (0x3190, 0x31EF, HAN), (0x31F0, 0x31FF, KANA), (0x3200, 0x4DBF, HAN),
    (0x4E00, 0x9FFF, HAN), (0xA960, 0xA97F, HANGUL), (0xAC00, 0xD7FF, HANGUL),
    (0xF900, 0xFAFF, HAN), (0xFE30, 0xFE4F, HAN), (0xFF00, 0xFF60, HAN),
    (0xFF61, 0xFF9F, KANA), (0xFFA0, 0xFFDC, HANGUL), (0xFFE0, 0xFFEF, HAN),
    (0x20000, 0x3FFFF, HAN),
)
_STARTS = [first for first, _, _ in _BLOCKS]
#: The families each kind of run is drawn with, first choice first (a character the first
#: face lacks falls to the next: the renderer picks per character along the list).
LATIN_ORDER = (SANS, WORLD, WORLD_SERIF)
JAPANESE_ORDER = (JAPANESE, CJK, SANS)
CJK_ORDER = (CJK, JAPANESE, SANS)
JAPANESE_CLASS, CJK_CLASS = "cjk-ja", "cjk"
log = logging.getLogger(__name__)
#: The template variable holding the render's PdfText; the environment's key in app.extensions.
PDF_TEXT, _ENV_KEY = "_pdf_text", "webpanel.pdf_jinja_env"


def script_of(char: str) -> str | None:
    """"kana", "hangul" or "han" for a CJK character, else None."""
    code = ord(char)
    index = bisect.bisect_right(_STARTS, code) - 1
    if index >= 0 and code <= _BLOCKS[index][1]:
        return _BLOCKS[index][2]
    return None


def runs(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (run, is_cjk) pieces; spaces stay in the run they follow."""
    pieces: list[tuple[str, bool]] = []
    for char in text:
        cjk = script_of(char) is not None
        if pieces and (char.isspace() or pieces[-1][1] == cjk):
            pieces[-1] = (pieces[-1][0] + char, pieces[-1][1])
        else:
            pieces.append((char, cjk))
    return pieces


def prefers_japanese(text: str, locale: str, japanese_has: Callable[[str], bool]) -> bool:
    """Whether ``text``'s Han belongs in the Japanese face: it has kana (and no Hangul), or the
    office is Japanese and IPAex Gothic has every one of its CJK characters."""
    scripts = {script_of(char) for char in text}
    if HANGUL in scripts:
        return False
    if KANA in scripts:
        return True
    cjk = [char for char in text if script_of(char) is not None]
    return locale.startswith("ja") and all(japanese_has(char) for char in cjk)


def mark(text: str, japanese: bool) -> Markup:
    """``text`` escaped, its CJK runs in a span of the Japanese or the Chinese/Korean class."""
    css = JAPANESE_CLASS if japanese else CJK_CLASS
    return Markup("").join(Markup('<span class="{}">{}</span>').format(css, run) if cjk
                           else escape(run) for run, cjk in runs(text))


class PdfText:
    """Marks the values of one PDF (``mark``) and notes the faces they need (``faces``)."""

    def __init__(self, locale: str, fonts: FontSet) -> None:
        self.locale, self.fonts = locale, fonts
        self.needed: set[Face] = {SANS}

    def _has(self, face: Face) -> frozenset[int]:
        return coverage(self.fonts, face)

    def mark(self, value: object) -> Markup:
        """One printed value, escaped and marked; Markup (already marked) passes unchanged."""
        if isinstance(value, Markup):
            return value
        text = str(value)
        if self._has(SANS).issuperset(map(ord, text)):
            return escape(text)
        japanese = prefers_japanese(text, self.locale, lambda c: ord(c) in self._has(JAPANESE))
        for run, cjk in runs(text):
            self._note(run, (JAPANESE_ORDER if japanese else CJK_ORDER) if cjk else LATIN_ORDER)
        return mark(text, japanese)

    def _note(self, run: str, order: tuple[Face, ...]) -> None:
        """Note the face each character of ``run`` will be drawn with."""
        for char in set(run) - set(" \t\r\n"):
            face = next((face for face in order if ord(char) in self._has(face)), None)
            if face is None:
                log.warning("No PDF font has a glyph for %r (U+%04X): it prints as a box.",
                            char, ord(char))
            else:
                self.needed.add(face)

    def faces(self) -> list[Face]:
        """The faces the marked values need, in a fixed order."""
        order = (SANS, JAPANESE, CJK, WORLD, WORLD_SERIF)
        return [face for face in order if face in self.needed]


def family_css() -> str:
    """The font-family of the page and of each kind of CJK run."""
    def families(order: tuple[Face, ...]) -> str:
        return ", ".join(face.family for face in order)

    wrap = "overflow-wrap: anywhere;"  # CJK has no spaces: a long run breaks where it must
    return (f"html, body {{ font-family: {families(LATIN_ORDER)}; }}\n"
            f"  .{JAPANESE_CLASS} {{ font-family: {families(JAPANESE_ORDER)}; {wrap} }}\n"
            f"  .{CJK_CLASS} {{ font-family: {families(CJK_ORDER)}; {wrap} }}")


@pass_context
def _finalize(context: Context, value: object) -> object:
    """Every ``{{ value }}`` of a PDF template: escaped and cut into runs by script."""
    text = context.get(PDF_TEXT)
    return value if text is None else text.mark(value)


def pdf_environment(app: Flask) -> Environment:
    """The app's template environment, printing through ``_finalize`` (made once per app)."""
    env = app.extensions.get(_ENV_KEY)
    if env is None:
        env = app.extensions[_ENV_KEY] = app.jinja_env.overlay(finalize=_finalize)
    return env
