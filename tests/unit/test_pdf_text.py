"""Printed values cut into runs by script: CJK runs get a CJK font, the rest stays as it was."""

from __future__ import annotations

import logging

import pytest
from markupsafe import Markup

from webpanel.documents.pdf_fonts import CJK, JAPANESE, SANS, WORLD, WORLD_SERIF, find_fonts
from webpanel.documents.pdf_text import PdfText, mark, prefers_japanese, runs, script_of

NO_JAPANESE = lambda char: False  # noqa: E731
ALL_JAPANESE = lambda char: True  # noqa: E731


def test_each_cjk_script_is_told_apart_from_the_rest() -> None:
    assert [script_of(c) for c in "サさ株견A1€"] == ["kana", "kana", "han", "hangul",
                                                   None, None, None]
    assert script_of("、") == script_of("（") == script_of("\U00020000") == "han"


def test_runs_keep_latin_and_cjk_apart_and_spaces_with_the_run_they_follow() -> None:
    assert runs("株式会社サンプル Tokyo 1-2") == [("株式会社サンプル ", True),
                                               ("Tokyo 1-2", False)]
    assert runs("견본 상품") == [("견본 상품", True)]
    assert runs("Order 北京样品 (copy)") == [("Order ", False), ("北京样品 ", True),
                                           ("(copy)", False)]
    assert runs("") == [] and runs("Zoë") == [("Zoë", False)]


def test_kana_means_japanese_hangul_korean_and_plain_han_follows_the_office() -> None:
    assert prefers_japanese("株式会社サンプル", "en_US", NO_JAPANESE)
    assert not prefers_japanese("견본 상품 (見本)", "ja_JP", ALL_JAPANESE)
    assert not prefers_japanese("北京样品有限公司", "en_US", ALL_JAPANESE)
    assert prefers_japanese("東京本社", "ja_JP", ALL_JAPANESE)
    # A Chinese name on a Japanese office's document: IPAex lacks 样, so it stays Chinese.
    assert not prefers_japanese("北京样品有限公司", "ja_JP", lambda char: char != "样")


def test_marking_escapes_first_and_wraps_only_the_cjk_runs() -> None:
    marked = mark("<b>株式</b> & Co", japanese=True)
    assert isinstance(marked, Markup)
    assert marked == '&lt;b&gt;<span class="cjk-ja">株式</span>&lt;/b&gt; &amp; Co'
    assert mark("<script>견본</script>", japanese=False) == (
        '&lt;script&gt;<span class="cjk">견본</span>&lt;/script&gt;')
    assert mark("Zoë & Søn", japanese=False) == "Zoë &amp; Søn"


def test_the_faces_a_document_needs_are_only_those_its_text_uses() -> None:
    fonts = find_fonts()
    latin = PdfText("en_US", fonts)
    assert latin.mark("Zoë Müller & Søn, Łódź ✓ €") == "Zoë Müller &amp; Søn, Łódź ✓ €"
    assert latin.mark(Markup("<br/>")) == "<br/>"
    assert latin.faces() == [SANS]
    mixed = PdfText("en_US", fonts)
    for value in ("株式会社サンプル", "北京样品有限公司", "견본 상품", "สวัสดี"):
        mixed.mark(value)
    assert mixed.faces() == [SANS, JAPANESE, CJK, WORLD_SERIF]
    assert '<span class="cjk">' in mixed.mark("북경 北京")
    hindi = PdfText("en_IN", fonts)
    hindi.mark("नमस्ते")
    assert hindi.faces() == [SANS, WORLD]


def test_a_character_no_font_has_is_said_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    text = PdfText("en_US", find_fonts())
    with caplog.at_level(logging.WARNING, logger="webpanel.documents.pdf_text"):
        assert text.mark("Ok \U0001FAE0") == "Ok \U0001FAE0"
    assert "No PDF font has a glyph for '\U0001fae0' (U+1FAE0): it prints as a box." in caplog.text
