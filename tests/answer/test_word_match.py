"""ranking.word_match: how candidate sentences' words meet the question's, by hand and compiled against
Python on many random sentences (the two paths must give the same doubles, or answers would differ by
install)."""

from __future__ import annotations

import math
import random
from functools import partial

import numpy as np
import pytest

from bot import text
from bot.answer import ranking
from tests.support.paths import SEEDS

compiled_only = pytest.mark.skipif(ranking.MATCH is None, reason="the compiled word match is not built in this install")


@pytest.mark.parametrize("compiled", [True, False])
def test_word_features_by_hand(compiled):
    if compiled and ranking.MATCH is None:
        pytest.skip("the compiled word match is not built in this install")
    sentence = "The hard-liners warned Kim, and Kim's hard liners warned again."
    wanted = {"warn", "kim", "hardlin"}
    surfaces = {"hardliners": 2.0, "warned": 1.0, "pyongyang": 4.0}
    [row] = ranking.word_match([sentence], wanted, surfaces, compiled=compiled)
    words = text.terms_and_surfaces(sentence)[0]
    at = [k for k, w in enumerate(words) if w in wanted]
    assert row[0] == (2.0 + 1.0) / 7.0  # "hard-liners" is "hardliners" as typed; no "pyongyang"
    assert row[1] == sum(1 for a, b in zip(at, at[1:]) if b == a + 1 and words[a] != words[b])
    assert row[2] == math.log1p(len(words) - len(at))
    assert row[3] == math.log1p(len(words))
    assert row[4] == math.log1p((at[-1] - at[0] + 1) / len({words[k] for k in at}))
    [none] = ranking.word_match(["Nothing of it here."], wanted, {}, compiled=compiled)
    assert none[0] == 0.0 and none[1] == 0.0 and none[4] == 0.0


def _random_sentence(rng: random.Random, vocabulary: list[str]) -> str:
    words = [rng.choice(vocabulary) for _ in range(rng.randint(0, 30))]
    glue = [rng.choice([" ", " ", " ", ", ", " - ", "\u2014", "  ", "\n", ". "]) for _ in words]
    return "".join(w + g for w, g in zip(words, glue)).strip()


VOCABULARY = ["Kim", "kim", "Kim's", "hard-liners", "hardliners", "hard", "liners", "warned", "warn", "warning",
              "Pyongyang", "sanctions", "relief", "2019", "3.5", "1,000", "U.S.", "U.S", "naïve", "Zürich", "café",
              "Müller", "ΑΘΗΝΑ", "straße", "x-ray", "X-Ray", "'quoted'", "“curly”", "it's", "the", "a", "of", "—",
              "--", "-", "e.g.", "co-operate", "cooperate", "defectors", "defector", "testified", "testimony"]


@compiled_only
@pytest.mark.parametrize("seed", range(12))
def test_compiled_word_match_is_pythons(seed, monkeypatch):
    rng = random.Random(seed)
    if seed % 3 == 0:  # the piece cache cleared while sentences are read, and cold
        monkeypatch.setattr(text, "PIECE_CACHE_SIZE", 5)
        text.PIECE_WORDS.clear()
    texts = [_random_sentence(rng, VOCABULARY) for _ in range(60)]
    question = rng.sample(VOCABULARY, rng.randint(0, 6))
    wanted = {w.term for q in question for w in text.words(q)}
    surfaces = {ranking._joined(text.fold(q)): rng.uniform(0.1, 9.0) for q in question}
    known = {"kim": "kim", "warned": "warn"} if seed % 2 else None
    fast = ranking.word_match(texts, wanted, surfaces, known, compiled=True)
    slow = ranking.word_match(texts, wanted, surfaces, known, compiled=False)
    assert fast.tobytes() == slow.tobytes()


@compiled_only
def test_compiled_word_match_on_the_seed_articles():
    articles = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.iterdir()) if path.is_file()]
    sentences = [article[a:b] for article in articles for a, b in text.split_sentences(article)]
    wanted = {w.term for w in text.words("What does Washington want from Kim and the hard-liners?")}
    surfaces = {"washington": 3.0, "want": 1.5, "kim": 2.0, "hardliners": 4.0}
    fast = ranking.word_match(sentences, wanted, surfaces, compiled=True)
    assert fast.tobytes() == ranking.word_match(sentences, wanted, surfaces, compiled=False).tobytes()
    assert (fast[:, 0] > 0).any() and (fast[:, 1] > 0).any()


@compiled_only
def test_compiled_word_match_refuses_what_is_not_text():
    out = np.empty((1, 5))
    with pytest.raises(TypeError):
        ranking.MATCH.match([b"bytes"], text.fold, text.PIECE_WORDS, 9, None, text.piece_words, set(), (), (), 1.0, out)
    with pytest.raises(TypeError):
        ranking.MATCH.match(["a"], text.fold, text.PIECE_WORDS, 9, None, text.piece_words, set(), ("a",), (), 1.0, out)
    with pytest.raises(TypeError):  # out too small
        ranking.MATCH.match(["a", "b"], text.fold, text.PIECE_WORDS, 9, None, text.piece_words, set(), (), (), 1.0, out)
    with pytest.raises(TypeError):  # a piece's words not two tuples
        ranking.MATCH.match(["odd"], text.fold, {"odd": ("odd",)}, 9, None, text.piece_words, set(), (), (), 1.0, out)


@compiled_only
def test_the_compiled_path_keeps_the_pieces_python_keeps_but_known_words(monkeypatch):
    """Pieces of letters that the surface map holds are read from it, not kept (at 10M sentences there are
    more of them than the cache holds); every other piece is kept as Python keeps it."""
    rng = random.Random(5)
    texts = [_random_sentence(rng, VOCABULARY) for _ in range(40)]
    known = {w.surface: w.term for v in VOCABULARY for w in text.words(v) if w.surface.isalpha()}
    kept = []
    for compiled in (True, False):
        text.PIECE_WORDS.clear()
        ranking.word_match(texts, {"kim"}, {"kim": 1.0}, known, compiled=compiled)
        kept.append(dict(text.PIECE_WORDS))
    compiled_kept, python_kept = kept
    assert compiled_kept == {p: w for p, w in python_kept.items() if not (p.isalpha() and p in known)}
    assert len(compiled_kept) > 5 and len(python_kept) > len(compiled_kept)
    monkeypatch.setattr(text, "PIECE_CACHE_SIZE", 3)  # cleared when full, never above its size
    text.PIECE_WORDS.clear()
    ranking.word_match(texts, {"kim"}, {"kim": 1.0}, known)
    assert 0 < len(text.PIECE_WORDS) <= 3


@compiled_only
@pytest.mark.parametrize("seed", range(4))
def test_compiled_distinct_terms_are_pythons(seed, monkeypatch):
    rng = random.Random(seed)
    if seed % 2:
        monkeypatch.setattr(text, "PIECE_CACHE_SIZE", 4)
        text.PIECE_WORDS.clear()
    titles = [_random_sentence(rng, VOCABULARY) for _ in range(50)] + ["", "   ", "Kim Kim kim KIM's"]
    known = {"kim": "kim", "warned": "warn", "sanctions": "sanction"} if seed < 2 else None
    expected = [tuple(dict.fromkeys(text.terms_and_surfaces(t, known)[0])) for t in titles]
    assert ranking.MATCH.distinct_terms(titles, text.fold, text.PIECE_WORDS, text.PIECE_CACHE_SIZE, known,
                                        partial(text.piece_words, known=known)) == expected
    with pytest.raises(TypeError):
        ranking.MATCH.distinct_terms([None], text.fold, text.PIECE_WORDS, 9, None, text.piece_words)


def test_titles_terms_read_at_once_are_those_read_one_by_one(ranker):
    articles = list(range(ranker.index.article_count))
    one_by_one = [ranker.title_terms(a) for a in articles]
    ranker._title_terms.clear()
    assert ranker.titles_terms(articles) == one_by_one
    assert ranker.titles_terms(articles, compiled=False) == one_by_one  # (now kept)
    ranker._title_terms.clear()
    assert ranker.titles_terms(articles[::-1], compiled=False) == one_by_one[::-1]
