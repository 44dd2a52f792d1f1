"""The command line through its real entry point (CliRunner on bot.frontends.cli.cli), errors included."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.frontends.cli import cli

COMMANDS = ["build", "add", "remove", "status", "merge", "ask", "repl", "eval", "telegram"]


def run(args, settings=None, input=None, env=None):
    base = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)] if settings else []
    command, rest = args[0], args[1:]
    return CliRunner().invoke(cli, [command, *base, *rest], input=input, env=env)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "--corpus" in result.output and "--index" in result.output


def test_build_prints_a_summary(tiny_corpus):
    result = run(["build"], tiny_corpus)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Indexed 3 articles, ")
    assert (tiny_corpus.index_dir / "CURRENT").exists()


def test_ask_builds_on_first_use_and_answers(tiny_corpus):
    result = run(["ask", "How many steel cables were replaced?"], tiny_corpus)
    assert result.exit_code == 0, result.output
    assert "first use" in result.stderr
    assert "Engineers replaced 412 steel cables." in result.stdout
    assert "a.txt" in result.stdout
    again = run(["ask", "How many steel cables were replaced?"], tiny_corpus)
    assert again.stderr == ""  # no rebuild the second time


def test_ask_json_shape(tiny_corpus):
    result = run(["ask", "--json", "Who cut the ribbon at the library?"], tiny_corpus)
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert set(payload) >= {"question", "found", "searched_for", "passages"}
    assert payload["found"] is True
    assert payload["searched_for"] == ["cut", "ribbon", "library"]
    p = payload["passages"][0]
    assert set(p) >= {"quote", "sentence", "start", "end", "terms", "score", "bm25", "source"}
    assert p["sentence"] == "Dr. Rosa Diaz, the head librarian, cut the ribbon."
    assert set(p["source"]) == {"title", "publisher", "byline", "date", "url", "path"}
    assert p["source"]["path"] == "b.txt" and p["source"]["title"] == "Library opens new wing"
    assert isinstance(payload["related"], list)


def test_ask_json_names_the_words_searched_for_a_question_word(seeds_settings):
    args = ["ask", "--json", "--corpus", str(seeds_settings.corpus_dir), "--index", str(seeds_settings.index_dir)]
    die = json.loads(CliRunner().invoke(cli, args + ["how did the defense minister die?"]).stdout)
    assert {"word": "death", "for": "die"} in die["related"] and "death" not in die["searched_for"]
    testified = json.loads(CliRunner().invoke(cli, args + ["how many defectors testified?"]).stdout)
    assert testified["related"] == [{"word": "testimony", "for": "testified"}]  # a word of the articles
    assert "testimony of 20 high-ranking defectors" in testified["passages"][0]["sentence"]


def test_ask_json_always_gives_the_confidence_and_found_follows_it(tiny_corpus):
    from bot.answer import decision

    result = run(["ask", "--json"], tiny_corpus, input="Who cut the ribbon at the library?\ncapital of France\n")
    found, refused = [json.loads(line) for line in result.stdout.splitlines()]
    assert found["found"] and found["confidence"] >= decision.threshold()
    assert not refused["found"] and 0.0 <= refused["confidence"] < decision.threshold()


def test_ask_json_dates_and_nulls(tiny_corpus):
    payload = json.loads(run(["ask", "--json", "steel cables"], tiny_corpus).stdout)
    source = payload["passages"][0]["source"]
    assert source["byline"] == "Ann Lee" and source["url"] is None
    assert source["date"] == "March 3"  # as printed: the page gives no year


def test_ask_reads_stdin_lines_each_on_its_own(tiny_corpus):
    result = run(["ask", "--json"], tiny_corpus, input="How many steel cables?\n\nand the snow?\nWhat is the capital of France?\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == ["How many steel cables?", "and the snow?", "What is the capital of France?"]
    assert lines[0]["found"] and not lines[2]["found"]
    assert "cables" not in json.dumps(lines[1]["searched_for"])  # no conversation state without --chat


def test_ask_chat_makes_one_conversation_with_more(tiny_corpus):
    result = run(["ask", "--json", "--chat", "-k", "1"], tiny_corpus, input="bridge repairs\nmore\n")
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["found"] and second["found"]
    assert first["passages"][0]["quote"] != second["passages"][0]["quote"]


def test_ask_no_answer_text(tiny_corpus):
    result = run(["ask", "What is the capital of France?"], tiny_corpus)
    assert result.exit_code == 0
    assert result.stdout.startswith("I found nothing about that in these articles.")


def test_ask_empty_question_gives_a_hint(tiny_corpus):
    result = run(["ask", "   "], tiny_corpus)
    assert result.exit_code == 0
    assert result.stdout.startswith("Ask me something about the articles, for example:")


def test_missing_corpus_folder_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["ask", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "i"), "hello"])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: corpus folder not found: {tmp_path / 'nope'}"


def test_empty_corpus_folder_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["build", "--corpus", str(tmp_path / "empty"), "--index", str(tmp_path / "i")])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and str(tmp_path / "empty") in result.output
    assert "Traceback" not in result.output


def test_environment_sets_the_folders(tiny_corpus):
    env = {"QUOTEBOT_CORPUS": str(tiny_corpus.corpus_dir), "QUOTEBOT_INDEX": str(tiny_corpus.index_dir)}
    result = CliRunner().invoke(cli, ["ask", "snow"], env=env)
    assert result.exit_code == 0 and "30 centimetres of snow" in " ".join(result.stdout.split())


def test_bad_setting_is_a_clear_error(tiny_corpus):
    result = run(["ask", "snow"], tiny_corpus, env={"QUOTEBOT_TOP_K": "many"})
    assert result.exit_code == 2
    assert result.output.strip() == "Error: QUOTEBOT_TOP_K must be a whole number, got 'many'"


def test_telegram_without_token_is_a_clear_error(tiny_corpus):
    result = run(["telegram"], tiny_corpus, env={"TELEGRAM_BOT_TOKEN": ""})
    assert result.exit_code == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.output


def test_telegram_with_malformed_token_does_not_echo_it(tiny_corpus):
    result = run(["telegram"], tiny_corpus, env={"TELEGRAM_BOT_TOKEN": "secret-but-wrong"})
    assert result.exit_code == 2
    assert "not a valid bot token" in result.output and "secret-but-wrong" not in result.output
