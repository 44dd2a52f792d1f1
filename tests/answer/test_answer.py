import numpy as np

from bot.answer.answerer import Answerer


def test_quotes_are_verbatim_with_context_and_source(answerer: Answerer, seeds_index):
    answer = answerer.answer("How many officials were executed in 2014?")
    assert answer.found
    best = answer.passages[0]
    assert "31 in 2014" in best.sentence
    assert best.sentence in best.quote
    assert best.source.publisher == "UPI" and best.source.path == "000_7e3365c8451a1df2.txt"
    article = seeds_index.article_text(0 if seeds_index.source(0).path == best.source.path else 1)
    assert article[best.start:best.end] == best.sentence
    assert article[best.quote_start:best.quote_end] == best.quote
    assert "executed" in best.terms and "2014" in best.terms
    assert best.score >= best.bm25 > 0
    # The next sentence is itself a hit on this page, so it is a passage of its own, not context.
    assert any(p.sentence.startswith("In 2015, North Korea has executed eight") for p in answer.passages[1:])


def test_context_is_the_neighbouring_sentence_of_the_same_paragraph(answerer):
    best = answerer.answer("Who replaced Choe Sun Hui?").passages[0]
    assert best.quote.startswith("In another sign of Kim's distrust of the elite")
    assert best.quote.endswith(best.sentence)  # last sentence of its paragraph: no context after


def test_no_text_is_quoted_twice_in_one_answer(answerer):
    for q in ["How many officials were executed in 2014?", "Kim North Korea elite", "officials defecting"]:
        answer = answerer.answer(q)
        spans = sorted((p.source.path, p.quote_start, p.quote_end) for p in answer.passages + tuple(answer.remaining))
        for (pa, a0, a1), (pb, b0, b1) in zip(spans, spans[1:]):
            assert pa != pb or a1 <= b0, q


def test_off_topic_question_gets_no_answer(answerer):
    for q in ["What is the capital of France?", "How do I bake sourdough bread?"]:
        answer = answerer.answer(q)
        assert not answer.found and answer.passages == ()


def test_typo_is_corrected_and_reported(answerer):
    answer = answerer.answer("Why was the defense minister executd?")
    assert ("executd", "executed") in answer.corrections
    assert "executed" in answer.searched_for and "executd" not in answer.searched_for
    assert answer.found and "napping at a rally" in answer.passages[0].quote


def test_a_corrected_word_alone_never_makes_an_answer(answerer):
    answer = answerer.answer("executd")
    assert answer.corrections and not answer.found


def test_passages_are_not_duplicated_and_best_first(answerer):
    answer = answerer.answer("Kim Jong Un rule of fear North Korea officials")
    passages = answer.passages + tuple(answer.remaining)
    quotes = [" ".join(p.quote.split()) for p in passages]
    assert len(quotes) == len(set(quotes))
    # Past the ones the re-ranking trees put in order, passages come by falling linear score.
    from bot.answer.ranking import RERANKED

    scores = [p.score for p in passages]
    assert scores[RERANKED:] == sorted(scores[RERANKED:], reverse=True)
    assert len(scores) > 3 and all(s > 0 for s in scores)


def test_top_k_from_settings(answerer):
    answer = answerer.answer("North Korea")
    assert len(answer.passages) <= answerer.settings.top_k
    page = answer.next_page(2)
    assert page.passages == answer.remaining[:2]


def test_boilerplate_is_never_quoted(answerer):
    for q in ["subscription free article unlimited access", "Advertisement", "Latest Headlines",
              "Sketch icon chevron", "File photo by Rodong Sinmun", "sponsored content Global Business Bureau",
              "Try 3 months for $9 offer"]:
        answer = answerer.answer(q)
        for p in answer.passages + tuple(answer.remaining):
            for junk in ("Advertisement", "Latest Headlines", "Sketch", "File photo", "Sponsored", "{{", "$9",
                         "subscription", "Unlimited"):
                assert junk not in p.quote, (q, p.quote)


def test_empty_and_junk_questions(answerer):
    for q in ["", "   ", "???", "the of and", "\x00\x01", "<script>alert(1)</script>", "x" * 100_000]:
        answer = answerer.answer(q)
        assert not answer.found


def test_examples_come_from_the_corpus(answerer):
    examples = answerer.example_questions(3)
    assert len(examples) == 3
    assert all(e.endswith("?") for e in examples)
    assert any("North Korea" in e or "Kim" in e for e in examples)


def test_known_words_shortcut_gives_the_same_words_and_matches(seeds_index):
    """Ranking and quoting look words up in the index's surface map instead of stemming them again;
    that must never change a word's term or which words are marked as matching."""
    from bot import text
    from bot.answer.passages import matched_words
    from bot.answer.query import QueryTerm

    known = seeds_index.surface_terms
    samples = [seeds_index.sentence_text(s) for s in range(seeds_index.sentence_count)]
    samples += ["Kim's U.S.-based co-workers’ 1,000 executions — Café naïve ﬁnance", "KIM JONG-UN executed 27-28"]
    samples += [seeds_index.source(a).title or "" for a in range(seeds_index.article_count)]
    for sentence in samples:
        assert text.words(sentence, known) == text.words(sentence)
        assert text.terms_and_surfaces(sentence, known)[0] == text.terms(sentence)
        for question in ["Who executed officials in 2014?", "Kim Jong Un's defense minister", "U.S. co-workers"]:
            terms = [QueryTerm(w.surface, w.term, 1.0) for w in text.words(question)]
            assert matched_words(sentence, terms, known) == matched_words(sentence, terms)


def test_a_headline_repeated_in_the_body_is_not_the_first_answer(answerer, seeds_index):
    answer = answerer.answer("Which officials are defecting?")
    titles = {seeds_index.source(a).title for a in range(seeds_index.article_count)}
    assert answer.found and answer.passages[0].sentence not in titles
    # ... but it stays findable: asked for in its own words, it is still among the passages.
    title = seeds_index.source(0).title
    again = answerer.answer(title)
    assert any(p.sentence == title for p in again.passages + tuple(again.remaining))


def test_final_order_is_the_trees_order_then_the_linear_order(answerer):
    from bot.answer import ranking

    model = ranking.rerank_model()
    for question in ["How many officials were executed in 2014?", "Who replaced Choe Sun Hui?", "Kim elite purge"]:
        terms, _ = answerer.analyze(question)
        c = answerer.ranker.candidates(terms, question)
        order, linear = answerer.ranker.order(c)
        assert sorted(order.tolist()) == list(range(len(c.sentences)))
        k = min(ranking.RERANKED, len(order))
        assert set(order[:k].tolist()) == set(np.argsort(-linear, kind="stable")[:k].tolist())
        assert np.all(np.diff(linear[order[k:]]) <= 1e-9)
        top = order[:k]
        rows = np.column_stack([c.features[n][top] for n in model.features[:-2]] + [linear[top], linear[top].max() - linear[top]])
        tree = model.raw(rows)
        not_title = [not answerer.ranker.is_title(int(c.sentences[j]), int(c.articles[j])) for j in top]
        kept = tree[np.array(not_title)]
        assert np.all(np.diff(kept) <= 1e-9)


# -- the answerer's flow on the hand-made index of tests/answer/hand_index.py ----------------------

def test_rank_runs_candidates_then_order_then_the_decision(hand_answerer, monkeypatch):
    from bot.answer import answerer as answerer_module, decision

    question = "Engineers replaced 412 steel cables mayor"  # s2, then s4 and s9 far behind (a third, an eighth)
    terms, _ = hand_answerer.analyze(question)
    c = hand_answerer.ranker.candidates(terms, question)
    order, linear = hand_answerer.ranker.order(c)
    seen = []

    def confidence(*args):
        seen.append(args)
        return 0.0

    monkeypatch.setattr(decision, "confidence", confidence)
    refused = hand_answerer.rank(terms, question)
    # The decision is handed the final order and the scores in it; refused, nothing is dropped.
    (got_terms, got_question, got_c, got_order, got_scores), = seen
    assert got_terms == terms and got_question == question and got_c.sentences.tolist() == c.sentences.tolist()
    assert got_order.tolist() == order.tolist() and got_scores.tolist() == linear[order].tolist()
    assert not refused.found and refused.confidence == 0.0
    assert refused.sentences.tolist() == c.sentences[order].tolist()
    assert refused.scores.tolist() == linear[order].tolist()
    assert refused.bm25.tolist() == c.features["bm25"][order].tolist()

    monkeypatch.setattr(decision, "confidence", lambda *args: 1.0)
    found = hand_answerer.rank(terms, question)
    keep = linear[order] >= answerer_module.MIN_RELATIVE_SCORE * linear[order][0]
    assert found.found and keep.tolist() == [True, True, False]
    assert found.sentences.tolist() == c.sentences[order][keep].tolist()
    assert found.scores.tolist() == linear[order][keep].tolist()
    # The share is MIN_RELATIVE_SCORE's: at a half, s4 (a third of the best) goes too.
    monkeypatch.setattr(answerer_module, "MIN_RELATIVE_SCORE", 0.5)
    assert hand_answerer.rank(terms, question).sentences.tolist() == [2]


def test_no_candidate_is_no_answer(hand_answerer):
    terms, _ = hand_answerer.analyze("zebra giraffe")
    ranking = hand_answerer.rank(terms, "zebra giraffe")
    assert not ranking.found and len(ranking.sentences) == 0


def test_rules_end_to_end_corrected_or_carried_words_alone(hand_answerer):
    from bot.answer.query import QueryTerm

    typo = hand_answerer.answer("cabels")  # corrected to "cables"; s2 holds nothing else of it
    assert typo.corrections == (("cabels", "cables"),) and not typo.found
    carried = hand_answerer.answer("the", carried=(QueryTerm("cables", "cabl", 0.5, carried=True),))
    assert carried.carried_words == ("cables",) and carried.searched_for == () and not carried.found
    assert hand_answerer.answer("steel", carried=(QueryTerm("cables", "cabl", 0.5, carried=True),)).found


def test_a_passage_quotes_its_neighbours_of_the_same_paragraph(hand_answerer, hand):
    answer = hand_answerer.answer("How many steel cables did the engineers replace?")
    best = answer.passages[0]
    assert best.sentence == "Engineers replaced 412 steel cables."
    assert best.quote == ("The harbour bridge reopened on Tuesday after long repairs. Engineers replaced 412 steel "
                          "cables. They worked through the winter because the river froze.")
    article = hand.article_text(0)
    assert article[best.start:best.end] == best.sentence and article[best.quote_start:best.quote_end] == best.quote
    assert best.terms == ("Engineers", "replaced", "steel", "cables")


def test_a_word_written_as_one_finds_it_written_with_a_hyphen(answerer):
    terms, corrections = answerer.analyze("Is Kim worried about hardliners?")
    assert "hard-liner" in [t.term for t in terms] and not corrections
    c = answerer.ranker.candidates(terms, "Is Kim worried about hardliners?")
    order, _ = answerer.ranker.order(c)
    assert "hard-liners" in answerer.index.sentence_text(int(c.sentences[order[0]]))


def test_a_word_written_as_one_hyphenated_or_as_two_finds_the_others(tmp_path):
    from tests.support.answers import answerer_over

    answerer = answerer_over(tmp_path, {"a.txt": "Talks stall\n\nThe hardliners in the party opposed the talks with "
                                                 "the union. The union wants higher wages for its members.\n"})
    for question in ("What did the hardliners oppose?", "What did the hard-liners oppose?", "What did the hard liners oppose?"):
        answer = answerer.answer(question)
        assert answer.found and answer.passages[0].sentence.startswith("The hardliners"), question
        # one word, however written: its parts are no words of their own
        assert [t.term for t in answer.terms if t.related is None] == ["hardlin", "oppos"], question
