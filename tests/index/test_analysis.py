"""Sentence splitting and term analysis of a corpus: the same arrays in one process or in a pool."""

from __future__ import annotations

import numpy as np

from bot.corpus.load import load_corpus
from bot.corpus.types import Article, Paragraph, Source
from bot.index import analysis
from bot.index.analysis import PARAGRAPH_KINDS, analyze, analyze_corpus
from tests.support.corpora import generated_corpus
from tests.support.pools import watch_pools


def test_paragraph_kinds_are_stored_by_number():
    text = "Dam opens\n\nThe dam opened on Friday.\n\nCrowds watched.\n\nA sidebar line here."
    paragraphs = (Paragraph(0, 9, "title"), Paragraph(11, 36, "body"), Paragraph(38, 53, "caption"),
                  Paragraph(55, 75, "sidebar"))
    article = Article(text, paragraphs, Source(None, None, None, None, None, "a.txt"))
    done = analyze([article], first_article=4)
    assert [PARAGRAPH_KINDS[k] for k in done.para_kind] == ["title", "body", "caption", "body"]  # unknown: body
    assert done.para_article.tolist() == [4, 4, 4, 4]
    assert [text[s:e] for s, e in zip(done.sent_start, done.sent_end)] == [
        "Dam opens", "The dam opened on Friday.", "Crowds watched.", "A sidebar line here."]


def test_pool_and_one_process_give_the_same_analysis(tmp_path, monkeypatch):
    generated_corpus(tmp_path)
    articles = load_corpus(tmp_path).articles
    monkeypatch.setattr(analysis, "CHUNK_CHARS", 16_000)  # several chunks of this small corpus
    monkeypatch.setattr(analysis, "PARALLEL_MIN_CHARS", 10**12)
    pools = watch_pools(monkeypatch)
    told: list[int] = []
    serial = analyze_corpus(articles, told.append)
    assert pools == []
    monkeypatch.setattr(analysis, "PARALLEL_MIN_CHARS", 0)
    told_pooled: list[int] = []
    pooled = analyze_corpus(articles, told_pooled.append)
    assert len(pools) == 1 and pools[0] == len(told) > 2
    assert told_pooled == told and told == sorted(told) and told[-1] == len(articles)
    for name in ("para_article", "para_kind", "para_first", "sent_start", "sent_end", "sent_byte", "sent_len",
                 "token_ids"):
        np.testing.assert_array_equal(getattr(pooled, name), getattr(serial, name), err_msg=name)
    assert pooled.terms == serial.terms and pooled.surfaces == serial.surfaces
