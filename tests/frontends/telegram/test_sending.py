"""bot.frontends.telegram.sending: the More keyboard and inline results (sending HTML, and its text
fallback, are exercised against the stand-in Bot API in test_app)."""

from __future__ import annotations

from bot.frontends.telegram.markup import MORE_BUTTON, passage_html
from bot.frontends.telegram.sending import inline_results, more_keyboard


def test_more_keyboard_is_one_button_with_the_key():
    (row,) = more_keyboard("m:abc").inline_keyboard
    (button,) = row
    assert (button.text, button.callback_data) == (MORE_BUTTON, "m:abc")


def test_inline_results_are_the_page_given(answerer):
    page = answerer.answer("North Korea").page(2, 4)
    results = inline_results(page)
    assert [r.id for r in results] == ["0", "1", "2", "3"]
    for result, passage in zip(results, page.passages):
        assert result.title == (passage.source.title or passage.source.path)[:100]
        assert result.description == " ".join(passage.sentence.split())[:200]
        assert result.input_message_content.message_text == passage_html(passage)
        assert result.input_message_content.parse_mode == "HTML"
