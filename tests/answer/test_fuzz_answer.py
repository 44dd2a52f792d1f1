"""Property-based: any question at all is answered or refused without raising, and every quote is
verbatim article text containing the hit sentence at its recorded offsets."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings, strategies as st

from bot.chat import ChatSession, Reply

FUZZ = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.data_too_large])

SEED_WORDS = ["executed", "officials", "2014", "Kim", "Jong", "Un", "defense", "minister", "napping",
              "rally", "Choe", "Sun", "Hui", "replaced", "Hyok", "Chol", "summit", "Trump", "Hanoi",
              "Song-thaek", "Kim's", "U.S.", "Feb.", "27-28", "executd", "minster", "UPI", "Seoul"]
NASTY = [
    "", " ", "\n\t\r", "?", "?!.,;:'\"()[]{}-–—…", "....", "'s", "-", "'-'-'", "the of and a to in is",
    "how many who why what when", "<b>executed</b> <a href='x'>2014</a> &amp; &lt;script&gt;",
    "<script>alert(1)</script>", "\u200d\u200d\u200d", "Kim\u200dJong\u200dUn", "\u202eexecuted 2014\u202c",
    "\u05de\u05d9 \u05d4\u05d5\u05e6\u05d0 \u05dc\u05d4\u05d5\u05e8\u05d2", "\u0645\u0646 \u0623\u0639\u062f\u0645",
    "\ud800", "executed \udfff 2014", "\x00\x01\x02\x1b[31m executed", "\ufeffexecuted", "\ufffd" * 50,
    "e\u0301xecute\u0301d", "ＥＸＥＣＵＴＥＤ ２０１４", "ǅ ß ﬁ İ ſ", "\U0001F600 executed \U0001F4A9",
    "0" * 5000, "9" * 400 + "-" + "9" * 400, "a-" * 3000, "'" * 10000, "u.s." * 2000,
    "executed " * 12_000, "x" * 100_000, "Kim " + "\u0301" * 100_000, "\u200b".join("executed") * 10,
]

any_char = st.characters(codec=None, categories=None)  # every code point, surrogates included
words = st.sampled_from(SEED_WORDS)
mixed = st.lists(st.one_of(words, st.text(any_char, max_size=12), st.sampled_from(NASTY[:20])),
                 max_size=12).map(" ".join)
big = st.tuples(st.sampled_from(["executed ", "x", "\u0301", "<p>", "Kim-", "2014 ", "\ud800", " "]),
                st.integers(1, 100_000)).map(lambda t: (t[0] * t[1])[:100_000])
questions = st.one_of(st.text(any_char, max_size=300), mixed, st.sampled_from(NASTY), big)


def _article_texts(answerer) -> dict[str, str]:
    index = answerer.index
    return {src.path: index.article_text(i) for i, src in enumerate(index.sources())}


def check_passages(answerer, texts: dict[str, str], passages) -> None:
    for p in passages:
        text = texts[p.source.path]
        assert isinstance(p.quote, str) and p.quote and p.sentence
        assert p.quote in text
        assert text[p.quote_start:p.quote_end] == p.quote
        assert text[p.start:p.end] == p.sentence
        assert p.quote_start <= p.start < p.end <= p.quote_end
        assert p.sentence in p.quote
        for word in p.terms:
            assert word in p.sentence


def check_answer(answerer, texts, answer) -> None:
    assert answer.found == bool(answer.passages)
    assert len(answer.passages) <= answerer.settings.top_k
    check_passages(answerer, texts, answer.passages)
    check_passages(answerer, texts, answer.remaining)
    for word in answer.searched_for:
        assert isinstance(word, str) and word


@FUZZ
@given(question=questions)
def test_any_question_is_answered_or_refused(answerer, question):
    texts = _article_texts(answerer)
    answer = answerer.answer(question)
    event("found" if answer.found else "no answer")
    check_answer(answerer, texts, answer)


@settings(FUZZ, max_examples=80)
@given(messages=st.lists(st.one_of(questions, st.sampled_from(["more", "MORE!", " next ", "and in 2013?",
                                                                "what about the defense minister?"])),
                         min_size=1, max_size=6))
def test_any_conversation_is_handled(answerer, messages):
    texts = _article_texts(answerer)
    session = ChatSession(answerer)
    for message in messages:
        reply = session.handle(message)
        assert isinstance(reply, Reply) and (reply.answer is None) != (reply.notice is None)
        if reply.answer is not None:
            check_answer(answerer, texts, reply.answer)


def test_known_questions_still_quote_verbatim(answerer):
    texts = _article_texts(answerer)
    for q in ["How many officials were executed in 2014?", "Why was the defense minister executed?",
              "Who replaced Choe Sun Hui?"]:
        answer = answerer.answer(q)
        assert answer.found
        check_answer(answerer, texts, answer)


def test_every_nasty_input_once(answerer):
    texts = _article_texts(answerer)
    session = ChatSession(answerer)
    for q in NASTY:
        check_answer(answerer, texts, answerer.answer(q))
        reply = session.handle(q)
        if reply.answer is not None:
            check_answer(answerer, texts, reply.answer)
