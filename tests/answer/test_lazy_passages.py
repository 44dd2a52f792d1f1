"""An answer makes its passages as its pages are shown (bot/answer/passages.py: RankedPassages): paging
through it in any page size, counting what is left before or after, from several threads at once, or
pickled, gives exactly the passages that making them all at once gives; and "more" after the articles
changed still shows the answer's own next page when it holds, and asks again when it does not."""

from __future__ import annotations

import copy
import json
import pickle
import random
import threading
from dataclasses import replace
from itertools import takewhile

import pytest

from bot import text
from bot.answer.answerer import Answerer
from bot.answer.live import LiveAnswerer
from bot.answer.passages import MAX_PASSAGES
from bot.chat import ChatSession, Notice
from bot.config import Settings
from bot.index.build import build
from bot.index.updates import open_index
from tests.support.paths import CANNED

PAGE_SIZES = (1, 2, 3, 5)


def all_at_once(answerer, question: str) -> tuple:
    return answerer.answer(question).page(0).passages


def by_the_rules(answerer, question: str) -> list[tuple]:
    """(path, quote span, hit span) of every passage, worked out a sentence at a time from the answer's
    rules: the ranking's distinct sentences (MAX_PASSAGES of them), each quoted with its paragraph's
    neighbours up to a sentence quoted already or one of the first page's hits; a hit quoted above
    shown no more, nor a quote seen before."""
    index, settings = answerer.index, answerer.settings
    terms, _ = answerer.analyze(question)
    ranking = answerer.rank(terms, question)
    if not ranking.found:
        return []
    texts: dict[str, int] = {}
    for s in ranking.sentences.tolist():
        texts.setdefault(text.normalized(index.sentence_text(s)), s)
    hits = list(texts.values())[:MAX_PASSAGES]
    page = set(hits[:settings.top_k])
    quoted, quotes, out = set(page), set(), []
    for hit in hits:
        if hit in quoted and hit not in page:
            continue
        paragraph = index.paragraph_sentences(int(index.sent_para[hit]))
        before = [s for s in range(hit - 1, hit - 1 - settings.context_before, -1) if s in paragraph]
        after = [s for s in range(hit + 1, hit + 1 + settings.context_after) if s in paragraph]
        first = min([hit] + list(takewhile(lambda s: s not in quoted, before)))
        last = max([hit] + list(takewhile(lambda s: s not in quoted, after)))
        quoted.update(range(first, last + 1))
        quote = index.text_between(first, last)
        if text.normalized(quote) not in quotes:
            quotes.add(text.normalized(quote))
            span, head, tail = index.span(hit), index.span(first), index.span(last)
            out.append((index.source(span.article).path, head.start, tail.end, span.start, span.end))
    return out


def spans(passages) -> list[tuple]:
    return [(p.source.path, p.quote_start, p.quote_end, p.start, p.end) for p in passages]


def paged(answerer, question: str, k: int, count_first: bool = False) -> tuple[tuple, list[int]]:
    """Every passage of a fresh answer, k a page through "more", and what each page says is left."""
    page = answerer.answer(question).page(0, k)
    seen, left = list(page.passages), []
    while True:
        if count_first:
            left.append(len(page.remaining))
        if not page.has_more:
            break
        page = page.next_page(k)
        seen += page.passages
    if not count_first:
        left.append(len(page.remaining))
    return tuple(seen), left


def check_paging(answerer, question: str) -> None:
    every = all_at_once(answerer, question)
    assert spans(every) == by_the_rules(answerer, question), question
    for k in PAGE_SIZES:
        assert paged(answerer, question, k)[0] == every, (question, k)
    seen, left = paged(answerer, question, 2, count_first=True)
    assert seen == every
    assert left == [max(len(every) - shown, 0) for shown in range(2, 2 * len(left) + 1, 2)]
    first = answerer.answer(question)
    assert tuple(first.remaining) == every[first.shown:] and first.has_more == (len(every) > first.shown)
    assert first.remaining[1:3] == every[first.shown + 1:first.shown + 3]
    assert first.page(len(every)).passages == () and not first.page(len(every) + 4, 2).has_more


def random_questions(answerer, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = sorted(answerer.index.surface_terms)
    return [" ".join(rng.sample(words, rng.randint(1, 4))) for _ in range(n)]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Answerer:
    """Articles made of paragraphs (one to four sentences) from a common pool, some whole copies, some
    with a line many repeat: neighbours quoted, hits swallowed into quotes, texts and quotes seen twice."""
    rng = random.Random(1)
    words = ("harbour bridge cables repairs council budget storm school river police court market "
             "energy prices hospital doctors station valley rain week mayor engineers traffic").split()
    pool = [" ".join(" ".join(rng.choice(words) for _ in range(rng.randint(4, 9))).capitalize() + "."
                     for _ in range(rng.randint(1, 4))) for _ in range(25)]
    root = tmp_path_factory.mktemp("mixed")
    corpus = root / "corpus"
    corpus.mkdir()
    bodies: list[str] = []
    for k in range(40):
        if bodies and rng.random() < 0.15:
            body = rng.choice(bodies)  # a copy of an earlier story
        else:
            paragraphs = rng.sample(pool, rng.randint(2, 5))
            if rng.random() < 0.3:
                paragraphs.insert(1, "The harbour bridge cables were replaced.")  # a line many articles repeat
            body = "\n\n".join(paragraphs)
            bodies.append(body)
        title = " ".join(rng.sample(words, 2)).capitalize()
        (corpus / f"a{k:02d}.txt").write_text(f"{title}\n\nBy Ann Lee\n\n{body}\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    build(settings)
    return Answerer(open_index(settings), settings.answering)


def test_paging_the_seeds_gives_the_passages_made_at_once(answerer):
    canned = [q["question"] for q in json.loads(CANNED.read_text(encoding="utf-8"))["questions"]]
    for question in canned + ["North Korea", "Kim", "officials executed"] + random_questions(answerer, 40, 1):
        check_paging(answerer, question)


def test_paging_random_questions_gives_the_passages_made_at_once(mixed):
    questions = ["harbour bridge cables", "bridge cables replaced", "storm"] + random_questions(mixed, 100, 1)
    assert sum(len(all_at_once(mixed, q)) > 6 for q in questions) > 10  # many answers of several pages
    for question in questions:
        check_paging(mixed, question)


def test_threads_paging_one_answer_see_the_same_passages(mixed):
    question = "harbour bridge cables"
    every = all_at_once(mixed, question)
    answer = mixed.answer(question)
    start = threading.Barrier(6)
    seen: list[tuple] = []

    def page_through(k: int) -> None:
        start.wait()
        page, passages = answer, list(answer.passages)
        while page.has_more:
            page = page.next_page(k)
            passages += page.passages
        seen.append(tuple(passages))

    threads = [threading.Thread(target=page_through, args=(k,)) for k in (1, 2, 3, 5, 1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [every] * 6


def test_a_pickled_or_copied_answer_pages_the_same(mixed):
    question = "harbour bridge cables"
    every = all_at_once(mixed, question)
    for made in (lambda a: pickle.loads(pickle.dumps(a)), copy.deepcopy, copy.copy):
        page = made(mixed.answer(question).page(2, 2))
        assert page.passages == every[2:4] and tuple(page.remaining) == every[4:]
        assert page.next_page(3).passages == every[4:7]


def change_corpus(settings: Settings, question: str, change) -> tuple[Answerer, ChatSession, LiveAnswerer]:
    """A session that was shown the first page of the question (its next page not made), the corpus
    changed by `change` (given the reference answer, made whole before) and the bot's index updated."""
    live = LiveAnswerer(Answerer(open_index(settings), settings.answering), settings)
    reference = Answerer(open_index(settings), settings.answering).answer(question).page(0)
    session = ChatSession(live)
    assert session.ask(question).answer.passages == reference.passages[:1]
    change(reference)
    assert live.check_once() is True
    return reference, session, live


def test_more_after_a_quoted_article_changed_asks_again(tiny_corpus):
    settings = replace(tiny_corpus, top_k=1)
    question = "bridge repairs cables cost"

    def edit_next(reference) -> None:
        following = reference.passages[1]
        path = settings.corpus_dir / following.source.path
        path.write_text(path.read_text(encoding="utf-8").replace(following.sentence, "It rained."), encoding="utf-8")

    reference, session, _ = change_corpus(settings, question, edit_next)
    reply = session.more()
    assert reply.notice is Notice.CHANGED and reply.answer.shown_before == 0
    assert all(reference.passages[1].sentence not in p.quote for p in reply.answer.page(0).passages)


def test_more_after_other_articles_changed_shows_the_answers_own_next_pages(tiny_corpus):
    settings = replace(tiny_corpus, top_k=1)
    question = "bridge repairs cables cost"

    def add_article(reference) -> None:
        (settings.corpus_dir / "d.txt").write_text(
            "Second bridge\n\nThe river bridge repairs cost more. Its cables were replaced in May.\n", encoding="utf-8")

    reference, session, live = change_corpus(settings, question, add_article)
    assert any(p.source.path == "d.txt" for p in live.answer(question).page(0).passages)  # a fresh answer differs
    shown = list(session.last.passages)
    while (reply := session.more()).notice is None:
        shown += reply.answer.passages
    assert reply.notice is Notice.NO_MORE and tuple(shown) == reference.passages  # the old answer, to its end
