"""Related terms: the table's arrays, and how the answerer uses them (a partial match of the question's
word, weighted below a typed word, never an answer on its own)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.answer import expansion
from bot.answer.analysis import CORRECTED_WEIGHT
from bot.answer.answerer import Answerer
from tests.support.answers import answerer_over


def test_the_table_reads_back_what_was_written_strongest_first(tmp_path):
    rows = {"begin": [("began", 0.375), ("start", 0.15)], "die": [("death", 0.171)]}
    expansion.write_table(tmp_path, rows, {"began": "began", "start": "started", "death": "death"})
    table = expansion.AssociationTable({name: np.load(tmp_path / f"{name}.npy", allow_pickle=False)
                                        for name in ("keys", "offsets", "terms", "surfaces", "shares")})
    assert [(r.term, r.surface) for r in table.related("begin")] == [("began", "began"), ("start", "started")]
    assert table.related("die")[0].share == pytest.approx(0.171, abs=1e-4)
    assert table.related("dig") == [] and table.related("zzz") == [] and table.related("") == []


def test_the_shipped_table_is_small_and_pairs_paraphrases():
    table = expansion.table()
    assert 100 < len(table) < 100_000
    assert sum(p.stat().st_size for p in expansion.TABLE_DIR.iterdir()) <= 10_000_000
    assert "death" in [r.term for r in table.related("die")]  # learnt from SQuAD's questions and answers
    assert "found" in [r.term for r in table.related("find")]  # an inflection the stemmer leaves apart
    assert table.related("cost") == [] or "dollar" not in [r.term for r in table.related("cost")]  # an answer's word
    for term in ("die", "want", "begin"):
        assert all(r.term != term for r in table.related(term))


@pytest.fixture
def painters(tmp_path) -> Answerer:
    return answerer_over(tmp_path, {
        "painter.txt": "The painter of the harbour\n\nThe painter lived in Portville for forty years and painted the "
                       "harbour. The painter's death in 1901 closed the studio by the harbour. Her pupils kept "
                       "painting the boats.\n",
        "storm.txt": "Storm closes schools\n\nA winter storm closed every school in the county on Wednesday. "
                     "Forecasters said the death toll of the last storm was two.\n"})


def test_a_related_term_is_searched_below_a_typed_or_corrected_word(painters):
    terms, corrections = painters.analyze("When did the painter die?")
    related = [t for t in terms if t.related is not None]
    assert [(t.term, t.related) for t in related] == [("death", "die")] and not corrections
    assert 0 < related[0].weight < CORRECTED_WEIGHT
    answer = painters.answer("When did the painter die?")
    assert answer.found and answer.passages[0].sentence.startswith("The painter's death in 1901")
    assert answer.searched_for == ("painter", "die")  # what was asked, not what was added
    assert "death" in answer.passages[0].terms  # ... but the quote marks the word that stood for it


def test_a_related_term_alone_never_makes_an_answer(painters):
    # Nothing asked is in the articles, only the answers' word for it ("death").
    answer = painters.answer("Did they die?")
    assert any(t.related == "die" for t in answer.terms)
    assert not answer.found
