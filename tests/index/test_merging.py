"""Segments merged by concatenation (bot.index.merging) hold exactly what a fresh build of their live
articles holds, and a build that streams a big folder in batches gives the index a one-batch build does."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bot.config import Settings
from bot.corpus.folder import article_states
from bot.index import build as index_build
from bot.index import format as index_format
from bot.index import merging
from bot.index import updates as index_updates
from bot.index.combined import CombinedIndex
from bot.index.sentences import SentenceIndex
from tests.index.test_segments import QUESTIONS, _article, _built_folder, _paragraphs
from tests.support.answers import answers


def _segment(index) -> SentenceIndex:
    return index.parts[0].index if isinstance(index, CombinedIndex) else index


def _assert_same_segment(got: SentenceIndex, want: SentenceIndex) -> None:
    """Equal in everything a question can see: term numbering aside (any order scores the same), every
    array, posting list, block bound, count, text, record and word list."""
    assert sorted(got.sentences.terms) == sorted(want.sentences.terms)
    for term, t in want.sentences.vocab.items():
        g = got.sentences.vocab[term]
        for a, b in zip(got.sentences.postings(term), want.sentences.postings(term)):
            assert np.array_equal(a, b), term
        gb, wb = slice(got.sentences.block_ptr[g], got.sentences.block_ptr[g + 1]), \
            slice(want.sentences.block_ptr[t], want.sentences.block_ptr[t + 1])
        for name in ("block_max_tf", "block_min_len", "block_min_ratio"):
            assert np.array_equal(getattr(got.sentences, name)[gb], getattr(want.sentences, name)[wb]), (term, name)
        assert got.paragraphs.df[g] == want.paragraphs.df[t], term
    assert np.array_equal(got.sentences.doc_len, want.sentences.doc_len)
    assert np.array_equal(got.paragraphs.doc_len, want.paragraphs.doc_len)
    for name in SentenceIndex.ARRAYS:
        a, b = np.asarray(getattr(got, name)), np.asarray(getattr(want, name))
        assert a.shape == b.shape and np.array_equal(a, b), name
    assert bytes(got.blob) == bytes(want.blob)
    assert got.articles == want.articles
    assert got.surface_terms == want.surface_terms
    assert got.speller.words == want.speller.words and np.array_equal(got.speller.freq, want.speller.freq)
    assert np.array_equal(got.speller.del_hash, want.speller.del_hash)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_merged_segments_hold_what_a_fresh_build_of_their_live_articles_holds(tmp_path, seed):
    rng = random.Random(seed)
    pool = _paragraphs()
    settings = _built_folder(tmp_path, rng, pool, 5)
    corpus = settings.corpus_dir
    for _ in range(6):  # segments with articles added, edited and deleted (removed from their segments)
        names = sorted(p.name for p in corpus.iterdir())
        op = rng.choice(["add", "edit", "delete"])
        if op == "add" or len(names) < 3:
            for _ in range(3):
                (corpus / f"b{rng.randrange(1000):03d}.txt").write_text(_article(rng, pool, rng.randrange(99)), encoding="utf-8")
        elif op == "edit":
            (corpus / rng.choice(names)).write_text(_article(rng, pool, rng.randrange(99)), encoding="utf-8")
        else:
            (corpus / rng.choice(names)).unlink()
        index_updates.update(settings)
    index, _ = index_format.load(settings.index_dir)
    assert isinstance(index, CombinedIndex) and len(index.parts) > 2 and any(p.removed for p in index.parts)
    folder = tmp_path / "merged.tmp"
    folder.mkdir()
    merged = merging.concatenate(index.parts, folder)
    fresh, _ = index_build.build(Settings(corpus_dir=corpus, index_dir=tmp_path / "fresh"))
    _assert_same_segment(merged, _segment(fresh))


def test_a_word_only_deleted_articles_wrote_is_no_longer_a_word_of_the_merged_segment(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Flooding closed the bridges on Monday.\n\nThe river rose overnight.\n", encoding="utf-8")
    (corpus / "b.txt").write_text("The bridge flooded again, the mayor said.\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    index_build.build(settings)
    (corpus / "c.txt").write_text("The mayor closed the bridge.\n", encoding="utf-8")
    index_updates.update(settings)
    (corpus / "a.txt").unlink()
    index_updates.update(settings)
    index, _ = index_format.load(settings.index_dir)
    assert "bridges" in index.parts[0].index.surface_terms  # (the deleted article's word, still stored)
    folder = tmp_path / "merged.tmp"
    folder.mkdir()
    merged = merging.concatenate(index.parts, folder)
    assert "bridges" not in merged.surface_terms and "bridge" in merged.surface_terms
    fresh, _ = index_build.build(Settings(corpus_dir=corpus, index_dir=tmp_path / "fresh"))
    _assert_same_segment(merged, _segment(fresh))


def test_a_build_in_batches_is_a_one_batch_build(tmp_path, monkeypatch):
    rng = random.Random(7)
    pool = _paragraphs()
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    texts = {f"{'sub/' if k % 3 == 0 else ''}n{k:02d}.txt": _article(rng, pool, k) for k in range(14)}
    texts["z-copy.txt"] = texts["n01.txt"]  # a copy of a story in a later batch: folded as in one batch
    texts["empty.txt"] = "\n"  # skipped, in whichever batch
    for name, body in texts.items():
        (corpus / name).write_text(body, encoding="utf-8")
    whole = Settings(corpus_dir=corpus, index_dir=tmp_path / "whole")
    one, one_report = index_build.build(whole)
    monkeypatch.setattr(index_build, "BATCH_BYTES", 2_000)  # a few files a batch
    assert len(index_build._batches(article_states(corpus))) > 3
    batched = Settings(corpus_dir=corpus, index_dir=tmp_path / "batched")
    index, report = index_build.build(batched)
    _assert_same_segment(_segment(index), _segment(one))
    assert answers(index, batched, QUESTIONS) == answers(one, whole, QUESTIONS)
    assert (report.articles, report.sentences, report.skipped) == (one_report.articles, one_report.sentences, one_report.skipped)
    assert [p.name for p in (tmp_path / "batched").iterdir() if p.name.endswith(".tmp")] == []  # no batch left behind
    # a rebuild takes every file from the extraction cache, which kept every batch's entries
    _, again = index_build.build(batched)
    assert (again.files_read, again.files_cached) == (0, one_report.files_read)
