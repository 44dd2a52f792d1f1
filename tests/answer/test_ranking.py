"""The ranking features, worked out by hand on the index of tests/answer/hand_index.py.

Idf by document frequency among the ten sentences: ONE = idf(1), TWO = idf(2), THREE = idf(3).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bot.answer import ranking
from bot.answer.query import QueryTerm
from tests.answer.hand_index import column, idf

ONE, TWO, THREE = idf(1), idf(2), idf(3)
K1, B = 1.5, 0.75


def term(surface: str, stem: str, weight: float = 1.0, **kw) -> QueryTerm:
    return QueryTerm(surface, stem, weight, **kw)


def features_of(ranker, terms, question, sentence):
    c = ranker.candidates(terms, question)
    j = column(c, sentence)
    return {name: float(values[j]) for name, values in c.features.items()}


def test_candidates_are_the_sentences_holding_a_term(ranker):
    terms = [term("steel", "steel"), term("repairs", "repair"), term("wing", "wing")]
    c = ranker.candidates(terms, "steel repairs wing")
    assert sorted(c.sentences.tolist()) == [1, 2, 5, 6, 9]
    assert c.articles.tolist() == [ranker.index.span(int(s)).article for s in c.sentences]
    assert c.idf == pytest.approx([ONE, TWO, THREE])
    assert c.known.tolist() == [True, True, True]
    assert ranker.candidates([term("zebra", "zebra")], "zebra") is None


def test_coverage_matched_share_and_the_rarest_term(ranker):
    # "repairs" at half weight: coverage counts each term's idf x weight, the other shares idf alone.
    terms = [term("steel", "steel"), term("repairs", "repair", 0.5), term("mayor", "mayor"), term("library", "librari")]
    total = ONE + 3 * TWO
    s9 = features_of(ranker, terms, "steel repairs mayor library", 9)  # "The repairs ... the mayor said."
    assert s9["coverage"] == pytest.approx((0.5 * TWO + TWO) / total)
    assert s9["paragraph_coverage"] == pytest.approx(2 * TWO / total)  # its paragraph is itself
    assert s9["article_coverage"] == pytest.approx(3 * TWO / total)  # "library" is in s5 and s6
    assert s9["title_coverage"] == pytest.approx(TWO / total)  # "Library opens new wing"
    assert s9["matched_share"] == pytest.approx(2 / 4)
    assert s9["rarest"] == 0.0  # "steel" is the rarest term and it is not there
    assert s9["rarest_matched"] == pytest.approx(TWO / ONE)  # the rarest it has: "repairs" or "mayor"

    s2 = features_of(ranker, terms, "steel repairs mayor library", 2)  # "Engineers replaced 412 steel cables."
    assert s2["coverage"] == pytest.approx(ONE / total)
    assert s2["paragraph_coverage"] == pytest.approx((ONE + TWO) / total)  # "repairs" is in s1
    assert s2["article_coverage"] == pytest.approx((ONE + 2 * TWO) / total)  # ... and "mayor" in s4
    assert s2["title_coverage"] == 0.0
    assert s2["matched_share"] == pytest.approx(1 / 4)
    assert s2["rarest"] == 1.0 and s2["rarest_matched"] == pytest.approx(1.0)


def test_a_term_in_half_of_the_paragraphs_still_counts_as_in_them(ranker):
    # "wing" (paragraphs 3, 4 and 5 of six) has a paragraph idf of log(3.5 / 3.5) = 0, so its paragraph
    # BM25 is 0; but which paragraph holds a word is read from the postings, not from a score, so its
    # paragraph holds it (in a folder of two articles, a word in half of the paragraphs is common).
    s9 = features_of(ranker, [term("wing", "wing")], "wing", 9)
    assert s9["coverage"] == pytest.approx(1.0)
    assert s9["paragraph_bm25"] == 0.0 and s9["paragraph_coverage"] == pytest.approx(1.0)
    assert s9["article_coverage"] == pytest.approx(1.0)


def test_neighbours_before_and_after(ranker):
    # One term in each sentence of paragraph 1: s1 "Tuesday", s2 "cables", s3 "winter".
    terms = [term("cables", "cabl"), term("winter", "winter"), term("Tuesday", "tuesday")]
    s1, s2, s3 = (features_of(ranker, terms, "cables winter Tuesday", s) for s in (1, 2, 3))
    assert (s2["neighbour"], s2["before_coverage"], s2["after_coverage"]) == pytest.approx((2 / 3, 1 / 3, 1 / 3))
    # The paragraph's first sentence has nothing before it (its own words are never its neighbour's) ...
    assert (s1["neighbour"], s1["before_coverage"], s1["after_coverage"]) == pytest.approx((1 / 3, 0, 1 / 3))
    # ... and its last nothing after it.
    assert (s3["neighbour"], s3["before_coverage"], s3["after_coverage"]) == pytest.approx((1 / 3, 1 / 3, 0))
    assert [s["position"] for s in (s1, s2, s3)] == pytest.approx([0.0, math.log1p(1), math.log1p(2)])
    assert [s["paragraph_length"] for s in (s1, s2, s3)] == pytest.approx([math.log1p(3)] * 3)
    assert [s["lead"] for s in (s1, s2, s3)] == [1.0, 0.0, 0.0]


def test_a_paragraph_of_one_sentence_has_no_neighbours(ranker):
    s4 = features_of(ranker, [term("mayor", "mayor")], "mayor", 4)  # "The mayor, Tom Reed, praised ..."
    assert (s4["neighbour"], s4["before_coverage"], s4["after_coverage"]) == (0.0, 0.0, 0.0)
    assert s4["position"] == 0.0 and s4["paragraph_length"] == pytest.approx(math.log1p(1)) and s4["lead"] == 1.0


def test_bm25_of_the_sentence_and_of_its_paragraph(ranker):
    # "repairs": sentences s1 (6 terms) and s9 (8), 54 terms in ten sentences; paragraphs 1 (15 terms)
    # and 5 (8), 54 terms in six paragraphs, so idf log(4.5 / 2.5) among paragraphs.
    def bm25(idf_, length, average):
        return idf_ * (K1 + 1) / (1 + K1 * (1 - B + B * length / average))

    terms = [term("repairs", "repair")]
    s1, s9 = (features_of(ranker, terms, "repairs", s) for s in (1, 9))
    assert s1["bm25"] == pytest.approx(bm25(TWO, 6, 5.4))
    assert s9["bm25"] == pytest.approx(bm25(TWO, 8, 5.4))
    assert s1["paragraph_bm25"] == pytest.approx(bm25(idf(2, 6), 15, 9))
    assert s9["paragraph_bm25"] == pytest.approx(bm25(idf(2, 6), 8, 9))
    # A term's weight scales both.
    half = features_of(ranker, [term("repairs", "repair", 0.5)], "repairs", 9)
    assert (half["bm25"], half["paragraph_bm25"]) == pytest.approx((s9["bm25"] / 2, s9["paragraph_bm25"] / 2))


def test_word_features_phrases_spread_and_length(ranker):
    # s2's terms: engin replac 412 steel cabl; the question's are at 0, 3 and 4.
    terms = [term("steel", "steel"), term("cable", "cabl"), term("engineers", "engin")]
    s2 = features_of(ranker, terms, "steel cable engineers", 2)
    assert s2["phrases"] == 1.0  # "steel cables"; "engineers ... steel" are not adjacent
    assert s2["spread"] == pytest.approx(math.log1p(5 / 3))  # five words from first to last, three terms
    assert s2["new_words"] == pytest.approx(math.log1p(2))  # "replaced", "412"
    assert s2["length"] == pytest.approx(math.log1p(5))
    # "steel" and "engineers" are written as asked, "cable" only matches by its stem ("cables").
    assert s2["surface"] == pytest.approx(2 / 3)
    assert s2["refers_back"] == 0.0


def test_a_phrase_is_two_different_question_terms_side_by_side(ranker):
    # s2's terms: engin replac 412 steel cabl
    question = [term("replaced", "replac"), term("steel", "steel")]  # "412" between them
    assert features_of(ranker, question, "replaced steel", 2)["phrases"] == 0.0
    question = [term("engineers", "engin"), term("replaced", "replac"), term("412", "412"), term("steel", "steel")]
    assert features_of(ranker, question, "engineers replaced 412 steel", 2)["phrases"] == 3.0


def test_words_as_typed_leave_out_corrected_and_carried_words(ranker):
    terms = [term("steel", "steel"), term("cable", "cabl", 0.6, typed="cabel"),
             term("engineer", "engin", 0.5, carried=True)]
    s2 = features_of(ranker, terms, "steel cabel", 2)
    assert s2["surface"] == 1.0  # only "steel" counts, and it is there


def test_a_sentence_opening_with_a_pronoun_refers_back(ranker):
    assert features_of(ranker, [term("winter", "winter")], "winter", 3)["refers_back"] == 1.0  # "They worked ..."
    assert features_of(ranker, [term("books", "book")], "books", 7)["refers_back"] == 1.0  # "It holds ..."


@pytest.mark.parametrize("question, terms, expected", [
    # a number the sentence adds ("$48 million") / none ("... after long repairs.")
    ("How many repairs?", ["repair"], {9: {"cue_number": 1.0}, 1: {"cue_number": 0.0}}),
    ("How much did the repairs cost?", ["repair", "cost"],
     {9: {"cue_number": 1.0, "cue_money": 1.0}, 1: {"cue_number": 0.0, "cue_money": 0.0}}),
    # the only number of "Engineers replaced 412 steel cables." is one the question already says
    ("How many of the 412 cables?", ["cabl"], {2: {"cue_number": 0.0}}),
    ("When did the mayor praise the crews?", ["mayor", "prais", "crew"],
     {4: {"cue_date": 1.0, "cue_year": 0.0}, 9: {"cue_date": 0.0}}),
    ("In what year did the mayor praise the crews?", ["mayor", "prais", "crew"],
     {4: {"cue_date": 1.0, "cue_year": 1.0}, 9: {"cue_date": 0.0, "cue_year": 0.0}}),
    ("Did the mayor praise the crews in 1998, in what year?", ["mayor", "prais", "crew"],
     {4: {"cue_date": 0.0, "cue_year": 0.0}}),
    # a capitalised word after the sentence's first ("Diaz"; "Rosa" follows "Dr." and may open a sentence)
    ("Who cut the ribbon?", ["cut", "ribbon"], {8: {"cue_person": 1.0}}),
    ("Who, Diaz, cut the ribbon?", ["cut", "ribbon"], {8: {"cue_person": 0.0}}),
    ("Who opened the wing?", ["open", "wing"], {6: {"cue_person": 0.0}, 5: {"cue_person": 0.0}}),
    ("Where did the mayor praise the crews?", ["mayor", "prais", "crew"],
     {4: {"cue_place": 1.0, "cue_person": 0.0}, 9: {"cue_place": 0.0}}),
    ("Why did they work through the winter?", ["work", "winter"],
     {3: {"cue_reason": 1.0, "cue_number": 0.0}, 4: {"cue_reason": 0.0, "cue_date": 0.0}}),
])
def test_answer_type_cues(ranker, question, terms, expected):
    query = [term(t, t) for t in terms]
    for sentence, cues in expected.items():
        found = features_of(ranker, query, question, sentence)
        assert {name: found[name] for name in cues} == cues, sentence


def test_candidates_carry_the_answer_type(ranker):
    assert ranker.candidates([term("cables", "cabl")], "How many cables?").answer_type == "number"
    assert ranker.candidates([term("cables", "cabl")], "cables").answer_type is None


def test_an_unknown_word_weighs_like_a_word_of_one_sentence(ranker):
    unknown = math.log(10.5 / 1.5)
    assert ranker.idf("zebra") == pytest.approx(unknown)
    assert ranker.idf("steel") == pytest.approx(ONE)
    terms = [term("steel", "steel"), term("zebra", "zebra")]
    c = ranker.candidates(terms, "steel zebra")
    assert c.known.tolist() == [True, False]
    assert c.features["coverage"][column(c, 2)] == pytest.approx(ONE / (ONE + unknown))


def test_title_membership_per_term_and_candidate(ranker):
    assert ranker.title_terms(0) == ("harbour", "bridg", "reopen")  # distinct, in the title's order
    terms = [term("harbour", "harbour"), term("wing", "wing")]
    c = ranker.candidates(terms, "harbour wing")
    # terms x candidates: "harbour" is in article 0's title, "wing" in article 1's
    expected = [[a == 0 for a in c.articles.tolist()], [a == 1 for a in c.articles.tolist()]]
    assert c.in_title.tolist() == expected


def test_the_linear_score_is_the_weighted_sum_and_a_repeated_headline_goes_last(ranker):
    assert ranker.is_title(0, 0) and ranker.is_title(5, 1)
    assert not ranker.is_title(1, 0)
    terms = [term("harbour", "harbour"), term("bridge", "bridg"), term("reopens", "reopen")]
    c = ranker.candidates(terms, "harbour bridge reopens")
    assert sorted(c.sentences.tolist()) == [0, 1]
    order, linear = ranker.order(c)
    expected = sum(weight * c.features[name] for name, weight in ranking.FEATURE_WEIGHTS.items())
    assert np.allclose(linear, expected)
    # The headline matches every term and scores first by the weights, yet the body sentence leads.
    assert linear[column(c, 0)] > linear[column(c, 1)]
    assert c.sentences[order].tolist() == [1, 0]


def test_the_linear_score_adds_up_as_pythons_sum_does():
    rng = np.random.default_rng(7)
    for n in (1, 2, 60):
        features = {name: rng.normal(size=n) * rng.choice([0.0, 1.0, 1e6]) for name in ranking.FEATURE_WEIGHTS}
        features["bm25"][0] = -0.0
        expected = sum(ranking.FEATURE_WEIGHTS[name] * value for name, value in features.items())
        assert ranking.linear_score(features).tobytes() == expected.tobytes()
    zeros = {name: np.full(3, -0.0) for name in ranking.FEATURE_WEIGHTS}
    assert ranking.linear_score(zeros).tobytes() == sum(
        ranking.FEATURE_WEIGHTS[name] * value for name, value in zeros.items()).tobytes()


def test_soft_matches_are_the_max_over_terms_of_credit_times_hits():
    rng = np.random.default_rng(3)
    for _ in range(200):
        n_terms, n = int(rng.integers(1, 8)), int(rng.integers(1, 70))
        asked = sorted(rng.choice(n_terms, size=int(rng.integers(1, n_terms + 1)), replace=False).tolist())
        credit = np.zeros((len(asked), n_terms))
        credit[np.arange(len(asked)), asked] = 1.0
        others = [j for j in range(n_terms) if j not in asked]
        for j in others:
            if rng.random() < 0.7:
                credit[rng.integers(len(asked)), j] = rng.choice([0.0, rng.random(), 1.0])
        hits = rng.random((n_terms, n)) < 0.4 if rng.random() < 0.5 else rng.integers(0, 9, (n_terms, n)).astype(float)
        related = [(k, j, float(credit[k, j])) for k, j in zip(*np.nonzero(credit)) if asked[k] != j]
        expected = (credit[:, :, None] * hits[None, :, :]).max(axis=1)
        assert ranking._soft(hits, asked, related).tobytes() == expected.tobytes()
