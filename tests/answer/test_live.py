"""Articles added, edited or deleted while a bot runs are picked up without a restart."""

import os
import threading
from dataclasses import replace

from bot.answer.answerer import Answerer
from bot.answer.live import LiveAnswerer
from bot.chat import ChatSession
from bot.index import updates as index_updates


def _live(settings):
    index = index_updates.open_index(settings)
    return LiveAnswerer(Answerer(index, settings.answering), settings)


def _touch_later(path):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))


def test_added_edited_and_deleted_articles_are_picked_up(tiny_corpus):
    live = _live(tiny_corpus)
    assert not live.answer("volcano eruption lava").found
    assert live.check_once() is False  # nothing changed
    (tiny_corpus.corpus_dir / "d.txt").write_text("Volcano erupts\n\nThe volcano erupted at dawn and lava reached the sea.\n")
    before = live.current
    assert live.check_once() is True
    assert live.current is not before  # swapped whole
    assert live.answer("volcano eruption lava").found and live.article_count == 4
    assert "d.txt" in [s.path for s in live.sources()] and live.sentence_count == live.current.sentence_count
    b = tiny_corpus.corpus_dir / "b.txt"
    b.write_text(b.read_text().replace("20,000 books", "45,000 books"))
    _touch_later(b)
    assert live.check_once() is True
    assert "45,000 books" in live.answer("How many books does the library hold?").passages[0].quote
    (tiny_corpus.corpus_dir / "c.txt").unlink()
    assert live.check_once() is True
    assert not live.answer("winter storm snow schools").found and live.article_count == 3


def test_questions_during_a_rebuild_are_answered_from_the_old_index(tiny_corpus, monkeypatch):
    live = _live(tiny_corpus)
    session = ChatSession(live)
    started, release = threading.Event(), threading.Event()
    real_update = index_updates.update

    def slow_update(*args, **kwargs):
        started.set()
        release.wait(10)
        return real_update(*args, **kwargs)

    monkeypatch.setattr(index_updates, "update", slow_update)
    (tiny_corpus.corpus_dir / "d.txt").write_text("Volcano erupts\n\nThe volcano erupted at dawn.\n")
    worker = threading.Thread(target=live.check_once)
    worker.start()
    assert started.wait(10)
    during = session.ask("How many steel cables were replaced?").answer
    assert during.found and "412 steel cables" in during.passages[0].quote
    assert not live.answer("volcano erupted").found
    release.set()
    worker.join(10)
    assert live.answer("volcano erupted").found


def test_a_broken_corpus_keeps_the_old_index(tiny_corpus):
    live = _live(tiny_corpus)
    for f in tiny_corpus.corpus_dir.iterdir():
        f.unlink()
    assert live.check_once() is False
    assert live.answer("steel cables").found


def test_background_thread_reloads(tiny_corpus):
    settings = replace(tiny_corpus, reload_seconds=1)
    live = _live(settings)
    reloaded = threading.Event()
    live.start(on_reload=reloaded.set)
    try:
        (settings.corpus_dir / "d.txt").write_text("Volcano erupts\n\nThe volcano erupted at dawn.\n")
        assert reloaded.wait(30)
        assert live.answer("volcano erupted").found
    finally:
        live.stop()


def test_a_session_made_before_a_reload_answers_from_the_new_index(tiny_corpus):
    live = _live(tiny_corpus)
    session = ChatSession(live)
    assert not session.ask("volcano eruption lava").answer.found
    (tiny_corpus.corpus_dir / "d.txt").write_text("Volcano erupts\n\nThe volcano erupted at dawn and lava reached the sea.\n")
    assert live.check_once() is True
    assert session.ask("volcano eruption lava").answer.found


def test_a_reload_makes_the_old_answers_rest_and_lets_the_old_index_go(tiny_corpus):
    import gc
    import weakref

    settings = replace(tiny_corpus, top_k=1, context_before=0, context_after=0)
    live = _live(settings)
    # (a first reload: the index answered from is then a combination of segments, which the next one
    # does not reuse whole, unlike a first build's, which becomes one of its segments)
    (settings.corpus_dir / "e.txt").write_text("Market opens\n\nThe night market opened on Friday.\n")
    assert live.check_once() is True
    question = "repairs harbour bridge steel cables library wing storm schools"
    kept = live.answer(question)  # as a session keeps its last answer, its "more" not asked for yet
    expected = live.answer(question)
    expected_rest = tuple(expected.remaining)  # the same answer's passages, all made before the reload
    assert len(expected_rest) >= 2
    old_index = weakref.ref(live.current.index)
    (settings.corpus_dir / "d.txt").write_text("Volcano erupts\n\nThe volcano erupted at dawn.\n")
    assert live.check_once() is True
    del expected
    gc.collect()
    assert old_index() is None  # no answer given before the reload holds the old combined index
    assert tuple(kept.remaining) == expected_rest  # and "more" still shows what that answer had ranked
    assert kept.next_page(1).passages == expected_rest[:1]
