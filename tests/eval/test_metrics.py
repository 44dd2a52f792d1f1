"""bot.eval.metrics: what is right for a question, and the scores, checked by hand."""

from __future__ import annotations

import pytest

from bot.eval.metrics import Case, Result, calibration, first_right, scores


def squad_case(offset: int, path: str = "a.txt") -> Case:
    return Case(f"question about {offset}?", path, (offset,))


def test_metrics_known_by_hand():
    """Five questions whose right passage comes 1st, 2nd, never (refused), 1st, 4th."""
    cases = [squad_case(off) for off in (10, 110, 210, 310, 410)]
    right = [("a.txt", c.offsets[0] - 5, c.offsets[0] + 20, "", "") for c in cases]
    wrong = ("elsewhere.txt", 0, 10, "", "")
    lists = [[right[0]], [wrong, right[1]], [], [right[3], wrong], [wrong, wrong, wrong, right[4]]]
    ranks = [first_right(c, passages) for c, passages in zip(cases, lists)]
    assert ranks == [1, 2, 0, 1, 4]
    s = scores(Result(c, bool(p), r, ()) for c, p, r in zip(cases, lists, ranks))
    assert s.recall == {1: pytest.approx(2 / 5), 3: pytest.approx(3 / 5), 5: pytest.approx(4 / 5)}
    assert s.mrr == pytest.approx((1 + 1 / 2 + 0 + 1 + 1 / 4) / 5)
    assert s.answered == pytest.approx(4 / 5)
    assert s.refused is None
    assert s.to_json() == {"r@1": 0.4, "r@3": 0.6, "r@5": 0.8, "mrr@10": 0.55, "answered": 0.8, "refused": None}


def test_mrr_counts_ranks_up_to_ten_only():
    cases = [squad_case(5), squad_case(6)]
    s = scores([Result(cases[0], True, 10, ()), Result(cases[1], True, 11, ())])
    assert s.mrr == pytest.approx((1 / 10) / 2) and s.recall[5] == 0.0


def test_a_passage_from_another_article_or_sentence_is_wrong():
    case = squad_case(100)
    assert first_right(case, [("other.txt", 95, 105, "", "")]) == 0
    assert first_right(case, [(case.path, 101, 150, "", "")]) == 0  # starts after the answer
    assert first_right(case, [(case.path, 50, 100, "", "")]) == 0  # ends just before it
    assert first_right(case, [(case.path, 95, 101, "", "")]) == 1


def test_canned_cases_look_for_the_expected_words_in_the_quote():
    case = Case("How many?", "a.txt", expect="31 in 2014", within=3)
    passages = [("a.txt", 0, 10, "no number here", ""), ("b.txt", 0, 10, "31 in 2014", ""),
                ("a.txt", 20, 30, "and 31 in 2014.", "")]
    assert first_right(case, passages) == 3
    assert Result(case, True, 3, ()).right and not Result(case, True, 4, ()).right
    assert not Result(Case("q", "a.txt", expect="x"), True, 2, ()).right  # within defaults to rank 1


def test_off_corpus_questions_are_right_when_refused():
    answerable = Case("q", "a.txt", (3,))
    off = Case("q", None)
    assert Result(off, False, 0, ()).right and not Result(off, True, 0, ()).right
    s = scores([Result(answerable, True, 1, ()), Result(off, False, 0, ()), Result(off, True, 0, ())])
    assert s.recall[1] == 1.0 and s.answered == 1.0 and s.refused == 0.5


def test_covering_finds_the_indexed_sentences_of_an_answer(seeds_index):
    path = seeds_index.sources()[0].path
    text = seeds_index.article_text(0)
    offset = text.index("31 in 2014")
    (sentence,) = Case("q", path, (offset,)).covering(seeds_index)
    assert "31 in 2014" in seeds_index.sentence_text(sentence)
    assert Case("q", "not-in-the-index.txt", (offset,)).covering(seeds_index) == []
    assert Case("q", None).covering(seeds_index) == []


def test_news_cases_look_for_the_answer_in_the_hit_sentence_and_topics_count_apart():
    case = Case("Who chairs the board?", "a.html", answer="Priya  Raman")
    passages = [("a.html", 0, 9, "Priya Raman chairs it. The rest.", "The rest."),
                ("b.html", 0, 9, "x", "said priya raman, who chairs the board")]
    assert first_right(case, passages) == 2  # the quote's neighbour does not count; any page does
    on, off = Case("What did it cost?", None, topic="on"), Case("Capital of Brazil?", None, topic="unrelated")
    s = scores([Result(case, True, 2, ()), Result(on, True, 0, ()), Result(off, False, 0, ()), Result(off, False, 0, ())])
    assert s.refused_by_topic == {"on": 0.0, "unrelated": 1.0} and s.refused == pytest.approx(2 / 3)
    assert s.to_json()["refused_by_topic"] == {"on": 0.0, "unrelated": 1.0}


def test_calibration_bins_confidence_against_first_passages_right():
    right, wrong, none = squad_case(1), squad_case(2), Case("off?", None)
    results = [Result(right, True, 1, (), 0.95), Result(wrong, True, 2, (), 0.91), Result(none, False, 0, (), 0.05),
               Result(right, True, 1, (), 0.55)]
    c = calibration(results)
    assert [(lo, n) for lo, _, n, _, _ in c.bins] == [(0.0, 1), (0.5, 1), (0.9, 2)]
    # bins: 0.05 vs 0 right, 0.55 vs 1 right, 0.93 vs half right
    assert c.ece == pytest.approx((0.05 + 0.45 + 2 * 0.43) / 4)
    assert c.to_json()["bins"][2] == {"from": 0.9, "to": 1.0, "questions": 2, "confidence": 0.93, "right": 0.5}
    low, high = c.interval  # resampled questions: an interval around the figure, within [0, 1]
    assert 0.0 <= low <= c.ece <= high <= 1.0 and high > low
    assert calibration([]).ece == 0.0 and calibration([]).interval == (0.0, 0.0)
