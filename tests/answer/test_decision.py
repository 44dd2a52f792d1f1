"""The no-answer decision's signals and fixed rules, worked out by hand on tests/answer/hand_index.py.

`answer_signals` is handed the order and the scores, so the tests choose them: which candidate is
the best one, and how far it leads.
"""

from __future__ import annotations

import json

import math

import numpy as np
import pytest

from bot.answer import decision
from bot.answer.query import QueryTerm
from bot.errors import QuotebotError
from bot.trees import TreeEnsemble
from tests.answer.hand_index import best_first, column, idf

ONE, TWO = idf(1), idf(2)


def term(surface: str, stem: str, weight: float = 1.0, **kw) -> QueryTerm:
    return QueryTerm(surface, stem, weight, **kw)


def signals_for(ranker, terms, question, *first, scores=None):
    """The signals with these sentences first (scores 10, 9, 8, ... unless given)."""
    c = ranker.candidates(terms, question)
    order = best_first(c, *first)
    if scores is None:
        scores = 10.0 - np.arange(len(order), dtype=float)
    return c, order, decision.answer_signals(terms, question, c, order, np.asarray(scores, dtype=float))


def test_words_as_typed_corrected_words_and_the_rarest(ranker):
    # s2 holds "steel" and "cables", s3 "winter"; "cable" was corrected from "cabel". Equal idf all.
    terms = [term("steel", "steel"), term("cable", "cabl", 0.6, typed="cabel"), term("winter", "winter")]
    c, order, s = signals_for(ranker, terms, "steel cabel winter", 2, scores=[2.0, 1.0])
    assert s["coverage_exact"] == pytest.approx(1 / 3)  # only "steel" matches as typed
    assert s["coverage"] == pytest.approx((1 + 0.6) / 3)  # the corrected word counts at its weight
    assert s["corrected"] == pytest.approx(1 / 3)
    assert s["paragraph"] == pytest.approx(2 / 3) and s["article"] == pytest.approx(2 / 3)  # + "winter" (s3)
    assert s["two_rarest"] == 0.0  # rarest "steel", second "cable": in the sentence, but corrected
    assert s["rarest_missing"] == pytest.approx(1.0)  # the corrected "cable" counts as missing
    assert s["length"] == pytest.approx(3 / 8)
    assert s["unknown"] == 0.0


def test_margin_and_bm25_of_the_best_and_no_signal_in_raw_points(ranker):
    terms = [term("steel", "steel"), term("winter", "winter")]
    c, order, s = signals_for(ranker, terms, "steel winter", 2, scores=[10.0, 6.0])
    assert s["margin"] == pytest.approx(0.4)  # (10 - 6) / 10
    assert s["bm25"] == pytest.approx(c.features["bm25"][column(c, 2)] / (2 * ONE))  # per idf of the question
    # Scores in BM25 points grow with the corpus's idf: the decision reads none of them as they are.
    assert not {"score", "gap", "best_bm25", "best_paragraph_bm25"} & set(s)
    assert s["size"] == pytest.approx(c.log_size / np.log(1e6)) and 0 < s["rarest_scale"] <= 1
    # A single candidate leads by everything.
    _, _, alone = signals_for(ranker, [term("steel", "steel")], "steel", 2, scores=[3.0])
    assert alone["margin"] == 1.0


def test_carried_words_count_for_nothing(ranker):
    terms = [term("steel", "steel"), term("mayor", "mayor", 0.5, carried=True)]
    _, _, s = signals_for(ranker, terms, "steel", 2)
    assert s["coverage_exact"] == 1.0 and s["coverage"] == 1.0  # "mayor" has no share of the question
    assert s["corrected"] == 0.0 and s["length"] == pytest.approx(1 / 8)


def test_fixed_rule_nothing_of_its_own_to_search(ranker):
    terms = [term("steel", "steel", 0.5, carried=True), term("winter", "winter", 0.5, carried=True)]
    assert signals_for(ranker, terms, "and?", 2)[2] is None


def test_fixed_rule_the_best_sentence_must_match_a_word_as_typed(ranker):
    corrected = [term("cable", "cabl", 0.6, typed="cabel"), term("winter", "winter")]
    assert signals_for(ranker, corrected, "cabel winter", 2)[2] is None  # s2 has only the corrected word
    assert signals_for(ranker, corrected, "cabel winter", 3)[2] is not None  # s3 has "winter"
    carried = [term("steel", "steel", 0.5, carried=True), term("winter", "winter")]
    assert signals_for(ranker, carried, "winter", 2)[2] is None  # s2 has only the carried word
    assert signals_for(ranker, carried, "winter", 3)[2] is not None


def test_names_of_the_question_must_be_near_the_best_sentence(ranker):
    rosa = [term("Rosa", "rosa"), term("Diaz", "diaz"), term("cut", "cut"), term("ribbon", "ribbon")]
    _, _, s = signals_for(ranker, rosa, "Did Rosa Diaz cut the ribbon?", 8)
    assert (s["has_names"], s["names_paragraph"], s["names_article"]) == (1.0, 1.0, 1.0)
    tom = [term("Tom", "tom"), term("Reed", "reed"), term("cut", "cut"), term("ribbon", "ribbon")]
    _, _, s = signals_for(ranker, tom, "Did Tom Reed cut the ribbon?", 8)  # Tom Reed is in article 0
    assert (s["has_names"], s["names_paragraph"], s["names_article"]) == (1.0, 0.0, 0.0)
    _, _, s = signals_for(ranker, tom, "Did Tom Reed cut the ribbon?", 4)
    assert (s["names_paragraph"], s["names_article"]) == (1.0, 1.0)
    # The question's first word is capitalised anyway: not a name.
    _, _, s = signals_for(ranker, [term("Ribbon", "ribbon"), term("cut", "cut")], "Ribbon cut?", 8)
    assert (s["has_names"], s["names_paragraph"], s["names_article"]) == (0.0, 1.0, 1.0)


def test_unknown_words_and_the_title(ranker):
    unknown = math.log(10.5 / 1.5)  # "zebra": in no sentence, weighed as if in one; the rarest term
    terms = [term("steel", "steel"), term("zebra", "zebra"), term("harbour", "harbour")]
    _, _, s = signals_for(ranker, terms, "steel zebra harbour", 2)
    total = ONE + unknown + TWO
    assert s["unknown"] == pytest.approx(unknown / total)
    assert s["coverage_exact"] == pytest.approx(ONE / total)
    assert s["title"] == pytest.approx(TWO / total)  # "Harbour bridge reopens"
    assert s["article"] == pytest.approx((ONE + TWO) / total)
    assert s["rarest_missing"] == pytest.approx(1.0) and s["rarest_article"] == 0.0  # "zebra", nowhere
    assert s["two_rarest"] == 0.0


def test_the_title_is_the_best_sentences_articles(ranker):
    three = idf(3)
    terms = [term("harbour", "harbour"), term("wing", "wing")]  # in the titles of article 0 / article 1
    assert signals_for(ranker, terms, "harbour wing", 9)[2]["title"] == pytest.approx(three / (TWO + three))
    assert signals_for(ranker, terms, "harbour wing", 1)[2]["title"] == pytest.approx(TWO / (TWO + three))


def test_the_top_five_articles_and_paragraphs(ranker):
    # s1 "repairs" (article 0), s4 "mayor" (article 0), s9 both (article 1); equal idf.
    terms = [term("repairs", "repair"), term("mayor", "mayor")]
    _, _, s = signals_for(ranker, terms, "repairs mayor", 9, 4, 1)
    assert s["scatter"] == pytest.approx(2 / 3) and s["same_article"] == pytest.approx(1 / 3)
    assert s["paragraph"] == 1.0 and s["best_paragraph"] == 1.0
    _, _, s = signals_for(ranker, terms, "repairs mayor", 1, 4, 9)
    assert s["scatter"] == pytest.approx(2 / 3) and s["same_article"] == pytest.approx(2 / 3)
    assert s["paragraph"] == pytest.approx(0.5) and s["best_paragraph"] == 1.0  # s9's, third
    assert s["coverage_exact"] == pytest.approx(0.5) and s["two_rarest"] == 0.0
    assert s["rarest_article"] == 1.0


def test_the_best_ones_features_and_what_the_question_asks(ranker):
    terms = [term("cables", "cabl")]
    c, _, s = signals_for(ranker, terms, "How many cables?", 2)
    # ("best_paragraph" is a signal of its own, the best paragraph share among the top five)
    assert {name: s["best_" + name] for name in c.features if name not in ("bm25", "paragraph_bm25")} == {
        name: float(values[column(c, 2)]) for name, values in c.features.items() if name not in ("bm25", "paragraph_bm25")}
    asks = {k: v for k, v in s.items() if k.startswith("asks_")}
    assert asks == {"asks_number": 1.0, "asks_date": 0.0, "asks_person": 0.0, "asks_place": 0.0,
                    "asks_what": 0.0, "asks_which": 0.0, "asks_why": 0.0, "asks_how": 0.0}
    # With no answer type, the question word itself.
    _, _, s = signals_for(ranker, [term("engineers", "engin")], "What did the engineers replace?", 2)
    assert s["asks_what"] == 1.0 and s["asks_number"] == 0.0 and s["asks_how"] == 0.0
    _, _, s = signals_for(ranker, [term("winter", "winter")], "Why did they work in winter?", 3)
    assert s["asks_why"] == 1.0 and s["asks_what"] == 0.0


def test_the_evidence_against_chance_in_units_of_the_corpus_size(ranker):
    # "steel" is only in s2, "winter" only in s3 (same paragraph); one word in one sentence of ten has
    # idf ONE, and log_size is the idf of a word in one sentence, unknown or not.
    terms = [term("steel", "steel"), term("winter", "winter")]
    c, _, s = signals_for(ranker, terms, "steel winter", 2)
    size = c.log_size
    assert s["chance_sentence"] == pytest.approx((size - ONE) / size)  # s2 matches "steel" only
    assert s["chance_paragraph"] == pytest.approx((size - 2 * ONE) / size)  # its paragraph both
    assert s["missing_sentence"] == pytest.approx(ONE / size) and s["missing_paragraph"] == 0.0
    assert s["missing_article"] == 0.0
    assert ONE >= 0.5 * size and s["rare_matched"] == pytest.approx(1 / 4) and s["rare_missed"] == 0.0
    assert s["names_share"] == 0.0 and s["title_matched_share"] == 0.0
    assert s["chance_plain"] == pytest.approx(s["chance_sentence"]) and s["plain_missing"] == 0.0
    # s3 holds as much of the question ("winter"): no lead, and no candidate holds more.
    assert s["coverage_lead"] == pytest.approx(0.0) and s["coverage_rank"] == 0.0
    assert s["cue_met"] == 1.0 and s["cue_top"] == 1.0  # the question wants no answer type


def test_the_wanted_answer_type_and_the_share_that_is_names(ranker):
    terms = [term("steel", "steel"), term("cables", "cabl")]
    assert signals_for(ranker, terms, "How many steel cables?", 2)[2]["cue_met"] == 1.0  # "412"
    terms.append(term("winter", "winter"))
    _, _, s = signals_for(ranker, terms, "How many steel cables in winter?", 3, 2)  # s3: no number; s2 second
    assert s["cue_met"] == 0.0 and s["cue_top"] == 1.0
    tom = [term("Tom", "tom"), term("Reed", "reed"), term("cut", "cut"), term("ribbon", "ribbon")]
    assert signals_for(ranker, tom, "Did Tom Reed cut the ribbon?", 4)[2]["names_share"] == 1.0  # s4: Tom Reed
    _, _, s = signals_for(ranker, tom, "Did Tom Reed cut the ribbon?", 8)  # s8: cut the ribbon
    assert s["names_share"] == 0.0 and s["chance_plain"] < s["chance_sentence"] + 1e-12

def test_fixed_rule_a_sentence_that_only_names_what_is_asked_about(ranker):
    # "When did Rosa Diaz retire?": s8 names Rosa Diaz, but holds neither "retire" nor a date.
    rosa = [term("Rosa", "rosa"), term("Diaz", "diaz"), term("retire", "retir")]
    assert signals_for(ranker, rosa, "When did Rosa Diaz retire?", 8)[2] is None
    # Not when the question wants no answer type, when the sentence holds a word besides the names, or
    # when it holds what is asked for: s4's "1998" is a date.
    assert signals_for(ranker, rosa, "Did Rosa Diaz retire?", 8)[2] is not None
    ribbon = [term("Rosa", "rosa"), term("Diaz", "diaz"), term("cut", "cut"), term("ribbon", "ribbon")]
    assert signals_for(ranker, ribbon, "When did Rosa Diaz cut the ribbon?", 8)[2] is not None
    tom = [term("Tom", "tom"), term("Reed", "reed"), term("retire", "retir")]
    assert signals_for(ranker, tom, "When did Tom Reed retire?", 4)[2] is not None
    # A question of names alone has no other word to miss: the model decides.
    assert signals_for(ranker, rosa[:2], "Who is Rosa Diaz?", 8)[2] is not None


def test_fixed_rule_one_word_in_common_of_four_or_more(ranker):
    # "Can we eat lunch in the garden today?": s7 ("It holds 20,000 books and a garden.") meets it on
    # "garden" alone, and the question names nothing.
    lunch = [term("eat", "eat"), term("lunch", "lunch"), term("garden", "garden"), term("today", "today")]
    assert signals_for(ranker, lunch, "Can we eat lunch in the garden today?", 7)[2] is None
    # Not with three words of its own, not when the sentence holds two of them, not when the question
    # names someone (then the names' signals and the model decide).
    assert signals_for(ranker, lunch[1:], "Lunch in the garden today?", 7)[2] is not None
    books = lunch + [term("books", "book")]
    assert signals_for(ranker, books, "Can we eat lunch with books in the garden today?", 7)[2] is not None
    rosa = lunch + [term("Rosa", "rosa")]
    assert signals_for(ranker, rosa, "Can we eat lunch with Rosa in the garden today?", 7)[2] is not None


def test_the_confidence_asks_the_model_only_when_no_rule_refuses(ranker, monkeypatch):
    # A one-tree model: coverage_exact above 0.5 scores 1, at or below it 0; threshold 1.
    model = TreeEnsemble.from_json({"features": ["coverage_exact"], "threshold": 1.0, "trees": [
        {"feature": [0], "threshold": [0.5], "left": [-1], "right": [-2], "leaf": [0.0, 1.0]}]})
    monkeypatch.setattr(decision, "model", lambda: model)
    terms = [term("steel", "steel"), term("cables", "cabl")]
    c = ranker.candidates(terms, "steel cables")
    assert decision.confidence(terms, "steel cables", c, best_first(c, 2), np.array([1.0])) >= decision.threshold()
    half = [term("steel", "steel"), term("winter", "winter")]
    c = ranker.candidates(half, "steel winter")
    assert not decision.confidence(half, "steel winter", c, best_first(c, 2), np.array([2.0, 1.0])) >= decision.threshold()
    # A rule's refusal stands whatever the model would say.
    monkeypatch.setattr(decision, "model", lambda: TreeEnsemble.from_json(
        {"features": ["coverage_exact"], "threshold": -1.0, "trees": [{"feature": [], "threshold": [], "left": [],
                                                                        "right": [], "leaf": [0.0]}]}))
    carried = [term("steel", "steel", 0.5, carried=True)]
    c = ranker.candidates(carried, "and?")
    assert not decision.confidence(carried, "and?", c, best_first(c, 2), np.array([1.0])) >= decision.threshold()


def test_the_shipped_model_answers_a_question_the_index_answers(hand_answerer):
    assert hand_answerer.answer("How many steel cables did the engineers replace?").found


def test_a_calibration_file_maps_confidence_and_threshold_alike(answerer, tmp_path, monkeypatch):
    from bot.answer import decision

    question = "How many officials were executed in 2014?"
    before = answerer.answer(question)
    scale, shift = decision.calibration()
    (tmp_path / "confidence.json").write_text(json.dumps({"scale": scale * 0.5, "shift": shift - 1.0}))
    monkeypatch.setattr(decision, "CALIBRATION_PATH", tmp_path / "confidence.json")
    decision.calibration.cache_clear()
    try:
        after = answerer.answer(question)
        assert after.found == before.found and after.confidence < before.confidence
        assert decision.threshold() == pytest.approx(
            1 / (1 + np.exp(-(scale * 0.5 * decision.model().threshold + shift - 1.0))))
        (tmp_path / "confidence.json").write_text("{broken")
        decision.calibration.cache_clear()
        with pytest.raises(QuotebotError, match="reinstall"):
            decision.threshold()
    finally:
        decision.calibration.cache_clear()


def test_the_signals_clip_is_numpys():
    import math

    import numpy as np

    from bot.answer.decision import _clip

    for x in (-5.0, -2.0, -0.0, 0.0, 0.37, 1.0, 7.5, math.inf, -math.inf, np.float64(0.5)):
        assert _clip(x, -2.0, 1.0) == float(np.clip(x, -2.0, 1.0))
        assert math.copysign(1.0, _clip(x, -2.0, 1.0)) == math.copysign(1.0, float(np.clip(x, -2.0, 1.0)))
    assert math.isnan(_clip(float("nan"), -2.0, 1.0))
