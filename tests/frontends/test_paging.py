"""One paging mechanism (`Answer.page`) behind every front end: the REPL, `ask --chat`, Telegram's More
button and /more, inline mode and the evaluation show one answer's passages in the same pages, numbered
the same way, each through its real entry point."""

from __future__ import annotations

import io
import json
import re

import pytest
from click.testing import CliRunner

from bot.config import Settings
from bot.eval.run import evaluate
from bot.frontends.cli import cli
from bot.frontends.repl import run_repl
from bot.chat import Notice
from tests.support.botapi import BotAPI
from tests.support.telegram_harness import RunningBot, make_settings

QUESTION = "North Korea"
PAGE = 3  # the default page size (QUOTEBOT_TOP_K)


def folded(s: str) -> str:
    return " ".join(s.split())


@pytest.fixture(scope="module")
def every(answerer) -> list:
    """The answer's passages, best first, as one page."""
    passages = list(answerer.answer(QUESTION).page(0).passages)
    assert len(passages) > 3 * PAGE and len(passages) % PAGE  # several pages, the last one short
    return passages


@pytest.fixture(scope="module")
def pages(every) -> list[list[tuple[int, object]]]:
    """[(number, passage), ...] page by page."""
    numbered = list(enumerate(every, 1))
    return [numbered[i:i + PAGE] for i in range(0, len(numbered), PAGE)]


def test_pages_follow_each_other_and_never_go_back(answerer, every):
    first = answerer.answer(QUESTION)  # the answerer's own first page is page(0, page size)
    assert first == first.page(0, answerer.page_size) == first.first_page(PAGE)
    assert first.passages == tuple(every[:PAGE]) and first.shown_before == 0 and first.shown == PAGE
    page, seen = first, []
    while True:
        seen += page.passages
        if not page.has_more:
            break
        page = page.page(page.shown, PAGE)
        assert page == first.page(page.shown_before, PAGE) == first.page(page.shown_before - PAGE, PAGE).next_page(PAGE)
    assert seen == every and page.shown == len(every)
    middle = first.page(4, 2)
    assert (middle.passages, tuple(middle.remaining), middle.shown_before) == (tuple(every[4:6]), tuple(every[6:]), 4)
    assert middle.page(7).passages == tuple(every[7:]) and not middle.page(7).has_more
    with pytest.raises(ValueError):
        middle.page(3, PAGE)
    assert first.page(len(every), PAGE).passages == () and not first.page(len(every) + 5, PAGE).has_more


def numbers_and_text(reply: str) -> list[tuple[int, str]]:
    """The REPL's numbered passages: [(n, folded text of passage n)]."""
    parts = re.split(r"^\[(\d+)\]$", reply, flags=re.M)
    return [(int(n), folded(body)) for n, body in zip(parts[1::2], parts[2::2])]


def test_the_repl_pages_with_more(answerer, pages):
    out = io.StringIO()
    run_repl(answerer, stdin=io.StringIO(QUESTION + "\n" + ":more\n" * len(pages)), stdout=out)
    replies = out.getvalue().split("quotebot> ")[1:-1]
    assert len(replies) == len(pages) + 1
    for reply, page in zip(replies, pages):
        shown = numbers_and_text(reply)
        assert [n for n, _ in shown] == [n for n, _ in page]
        for (_, text), (_, passage) in zip(shown, page):
            assert folded(passage.quote) in text
    assert replies[-1].strip() == Notice.NO_MORE.format()


def test_ask_chat_pages_with_more(seeds_settings, pages):
    args = ["ask", "--chat", "--json", "--corpus", str(seeds_settings.corpus_dir), "--index", str(seeds_settings.index_dir)]
    result = CliRunner().invoke(cli, args, input=QUESTION + "\n" + "more\n" * len(pages))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(pages) + 1
    for line, page in zip(lines, pages):
        assert [(p["source"]["path"], p["start"], p["end"]) for p in line["passages"]] == \
               [(p.source.path, p.start, p.end) for _, p in page]
    assert lines[-1]["passages"] == [] and lines[-1]["notice"] == Notice.NO_MORE.format()


@pytest.fixture
def telegram(answerer, seeds_settings, tmp_path):
    with BotAPI() as api:
        settings = make_settings(api, seeds_settings.corpus_dir, seeds_settings.index_dir)
        with RunningBot(settings, answerer, tmp_path / "telegram.sqlite"):
            yield api


def assert_telegram_page(message: dict, page: list, last: bool) -> None:
    text = message["text"].removeprefix(Notice.UNSURE.format() + "\n\n")  # a first page may start in doubt
    assert text.startswith(f"{page[0][0]}. ")
    for n, passage in page:
        assert f"{n}. {folded(passage.quote)}" in text
    assert text.count("\n— ") == len(page)
    assert (message["markup"] is None) == last


def test_telegram_more_button_and_more_command_page_alike(telegram, pages):
    api = telegram
    api.private(1, QUESTION)
    for i, page in enumerate(pages):
        message = api.replies(1, i + 1)[i]
        assert_telegram_page(message, page, last=i == len(pages) - 1)
        if i < len(pages) - 1:  # the button, the command and the word, in turn
            way = i % 3
            if way == 0:
                api.press(1, message)
            else:
                api.private(1, "/more" if way == 1 else "more")
    api.private(1, "/more")
    assert api.replies(1, len(pages) + 1)[-1]["text"] == Notice.NO_MORE.format()


def test_telegram_numbers_pages_from_the_answer_not_a_count_of_its_own(telegram, pages):
    """A message with nothing to search for between two pages neither restarts nor shifts the numbering."""
    api = telegram
    api.private(1, QUESTION)
    api.replies(1, 1)
    api.private(1, "😀")
    assert Notice.NO_ANSWER.format() in api.replies(1, 2)[1]["text"]
    api.private(1, "/more")
    second = api.replies(1, 3)[2]
    assert_telegram_page(second, pages[1], last=False)
    api.press(1, second)
    assert_telegram_page(api.replies(1, 4)[3], pages[2], last=False)


def test_inline_mode_shows_the_first_passages(telegram, every):
    api = telegram
    api.inline(5, QUESTION)
    (call,) = api.wait(lambda: api.calls_of("answerInlineQuery"))
    results = call["params"]["results"]
    assert [r["id"] for r in results] == ["0", "1", "2", "3", "4"]
    for result, passage in zip(results, every):
        assert result["description"] == folded(passage.sentence)[:200]
        assert folded(passage.quote) in folded(re.sub(r"<[^>]+>", "", result["input_message_content"]["message_text"]))


def test_the_evaluation_ranks_every_passage_in_page_order(seeds_settings, tmp_path, every):
    target = every[7]
    canned = tmp_path / "canned.json"
    canned.write_text(json.dumps({"questions": [
        {"question": QUESTION, "path": target.source.path, "expect": target.sentence, "rank": 10}]}))
    report = evaluate(canned, Settings(corpus_dir=seeds_settings.corpus_dir, index_dir=tmp_path / "unused"))
    (result,) = report.results
    assert list(result.passages) == [(p.source.path, p.start, p.end) for p in every]
    first = next(i for i, p in enumerate(every, 1) if p.source.path == target.source.path and target.sentence in p.quote)
    assert result.rank == first and result.right
