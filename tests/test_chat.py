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
    assert "executed" in follow.context or "officials" in follow.context


def test_follow_up_about_a_person(answerer):
    session = ChatSession(answerer)
    session.ask("Who replaced Choe Sun Hui?")
    follow = session.ask("what about Steve Biegun?").answer
    assert follow.found and "Steve Biegun" in follow.passages[0].quote


def test_a_new_full_question_is_not_a_follow_up(answerer):
    session = ChatSession(answerer)
    session.ask("Who replaced Choe Sun Hui?")
    answer = session.ask("Why was the defense minister executed?").answer
    assert answer.context == () and "napping" in answer.passages[0].quote


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
