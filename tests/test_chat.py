import time

from bot.chat import ChatSession, Notice, Sessions, is_more_request


def test_more_pages_through_the_same_answer(answerer):
    session = ChatSession(answerer, page_size=1)
    first = session.ask("Kim executed officials").answer
    assert first.found and len(first.passages) == 1
    second = session.more().answer
    assert second.passages and second.passages[0] != first.passages[0]
    while session.last.has_more:
        session.more()
    assert session.more().notice is Notice.NO_MORE


def test_more_before_any_question(answerer):
    assert ChatSession(answerer).more().notice is Notice.NOTHING_BEFORE
    assert ChatSession(answerer).handle("more").notice is Notice.NOTHING_BEFORE


def test_empty_question_gets_a_hint(answerer):
    assert ChatSession(answerer).ask("   ").notice is Notice.EMPTY


def test_follow_up_uses_the_previous_question(answerer):
    session = ChatSession(answerer)
    assert "31 in 2014" in session.ask("How many officials were executed in 2014?").answer.passages[0].quote
    follow = session.ask("and in 2013?").answer
    assert follow.found and "30 in 2013" in follow.passages[0].quote
    assert "executed" in follow.carried_words or "officials" in follow.carried_words


def test_follow_up_about_a_person(answerer):
    session = ChatSession(answerer)
    session.ask("Who replaced Choe Sun Hui?")
    follow = session.ask("what about Steve Biegun?").answer
    assert follow.found and "Steve Biegun" in follow.passages[0].quote


def test_a_new_full_question_is_not_a_follow_up(answerer):
    session = ChatSession(answerer)
    session.ask("Who replaced Choe Sun Hui?")
    answer = session.ask("Why was the defense minister executed?").answer
    assert answer.carried_words == () and "napping" in answer.passages[0].quote


def test_is_more_request():
    assert is_more_request("more") and is_more_request(" More! ") and is_more_request(":more")
    assert not is_more_request("more officials executed")


def test_sessions_are_bounded_and_expire(answerer):
    sessions = Sessions(lambda: ChatSession(answerer), max_sessions=3, idle_seconds=3600)
    first = sessions.get(1)
    for key in range(2, 6):
        sessions.get(key)
    assert len(sessions) == 3
    assert sessions.get(1) is not first  # dropped as least recently used
    short = Sessions(lambda: ChatSession(answerer), max_sessions=10, idle_seconds=0.01)
    s = short.get("a")
    time.sleep(0.05)
    assert short.get("a") is not s


def test_pages_are_the_answerers_page_size_unless_told(answerer):
    assert ChatSession(answerer).page_size == answerer.page_size == 3
    session = ChatSession(answerer, page_size=2)
    first = session.ask("North Korea").answer
    assert len(first.passages) == 2 and first.shown_before == 0
    second = session.more().answer
    assert second.shown_before == 2 and second.passages == first.remaining[:2]


def test_more_after_continues_a_page_asked_before(answerer):
    """A More button's page: the question asked again, the page after the passages it had shown."""
    session = ChatSession(answerer)
    every = answerer.answer("North Korea").page(0).passages
    page = session.more_after("North Korea", (), 3).answer
    assert page.passages == every[3:6] and page.shown_before == 3
    assert session.more().answer.passages == every[6:9]  # and "more" goes on from there
    assert session.more_after("North Korea", (), len(every)).notice is Notice.NO_MORE
    assert session.more().notice is Notice.NO_MORE


def test_more_after_keeps_the_carried_words(answerer):
    session = ChatSession(answerer)
    session.ask("How many officials were executed in 2014?")
    follow = session.ask("and in 2013?").answer
    carried = tuple(t for t in follow.terms if t.carried)
    assert carried and ChatSession(answerer).more_after("and in 2013?", carried, 0).answer.passages == follow.passages


def test_a_message_with_nothing_to_search_keeps_the_last_question(answerer):
    session = ChatSession(answerer)
    session.ask("North Korea")
    assert not session.ask("😀").answer.found
    assert session.more().answer.shown_before == 3


def test_more_after_the_articles_changed_says_so_and_asks_again(tiny_corpus):
    from dataclasses import replace

    from bot.answer.answerer import Answerer
    from bot.answer.live import LiveAnswerer
    from bot.index.updates import open_index

    settings = replace(tiny_corpus, top_k=1)
    live = LiveAnswerer(Answerer(open_index(settings), settings.answering), settings)
    session = ChatSession(live)
    first = session.ask("bridge repairs cables cost").answer
    assert first.found and first.has_more
    following = first.page(first.shown, 1).passages[0]
    path = settings.corpus_dir / following.source.path
    path.write_text(path.read_text(encoding="utf-8").replace(following.sentence, "The bridge was painted green."),
                    encoding="utf-8")
    assert live.check_once() is True
    reply = session.more()
    assert reply.notice is Notice.CHANGED and reply.answer is not None and reply.answer.shown_before == 0
    assert all(following.sentence not in p.quote for p in reply.answer.passages + tuple(reply.answer.remaining))
    assert session.more().notice is None  # the new answer pages on as usual


def test_a_more_button_pressed_after_the_articles_changed_says_so(tiny_corpus):
    from dataclasses import replace

    from bot.answer.answerer import Answerer
    from bot.index.updates import open_index

    settings = replace(tiny_corpus, top_k=1)
    before = ChatSession(Answerer(open_index(settings), settings.answering))
    page = before.ask("bridge repairs cables cost").answer
    button = (page.question, (), page.shown, page.shown_before, page.page_key)
    same = ChatSession(Answerer(open_index(settings), settings.answering)).more_after(*button)
    assert same.notice is None and same.answer.shown_before == page.shown  # nothing changed: the next page
    path = settings.corpus_dir / page.passages[0].source.path
    path.write_text(path.read_text(encoding="utf-8").replace(page.passages[0].sentence, "It rained."), encoding="utf-8")
    changed = ChatSession(Answerer(open_index(settings), settings.answering)).more_after(*button)
    assert changed.notice is Notice.CHANGED and changed.answer.shown_before == 0
    assert page.passages[0].sentence not in " ".join(p.quote for p in changed.answer.passages)
