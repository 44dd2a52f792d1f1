"""Two rules outside the no-answer model, end to end: a topic request is answered while its words share
a body paragraph, one word of a longer question met only in a caption makes no answer, and a caption
or heading line goes after the body sentences that match."""

from __future__ import annotations

import pytest

from bot.answer.answerer import Answerer
from tests.support.answers import answerer_over

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Harbour bridge reopens</title></head><body>
<article><h1>Harbour bridge reopens after repairs</h1>
<figure><img src="race.jpg" alt=""><figcaption>A kayak passes under the bridge in June. Photo: Jo Park</figcaption></figure>
<p>The harbour bridge reopened on Tuesday after nine months of repairs, the city said.</p>
<p>Engineers replaced 412 steel cables and repainted the deck. The repairs cost $48 million, twice the
first estimate, and were paid for by the port authority.</p>
<p>The mayor said traffic would return to normal by Friday, once the last lane markings are dry.</p>
</article></body></html>"""


@pytest.fixture
def bridge(tmp_path) -> Answerer:
    return answerer_over(tmp_path, {"bridge.html": PAGE})


def test_one_word_of_a_question_met_only_in_a_caption_is_no_answer(bridge):
    index = bridge.index
    kinds = {index.kind(p) for p in range(len(index.para_first) - 1)
             if "kayak" in index.sentence_text(int(index.para_first[p]))}
    assert kinds == {"caption"}  # the word is in the index, in a caption only
    answer = bridge.answer("Which kayak brand is the best for beginners?")
    assert not answer.found and answer.confidence == 0.0


def test_topic_requests_are_answered_from_the_paragraphs_that_hold_them(answerer, bridge):
    for question in ("Tell me about sanctions", "Sanctions?", "What do we know about sanctions?"):
        answer = answerer.answer(question)
        assert answer.found, question
        assert "sanctions" in answer.passages[0].sentence.lower(), question
    answer = bridge.answer("tell me about the steel cables")
    assert answer.found and "steel cables" in answer.passages[0].sentence


def test_a_caption_or_heading_goes_after_the_body_sentences_that_match(bridge):
    answer = bridge.answer("When did the kayak pass under the harbour bridge?")
    assert answer.found
    assert "kayak" not in answer.passages[0].sentence  # the caption matches most, the body leads
    assert any("kayak" in p.sentence for p in answer.passages)
