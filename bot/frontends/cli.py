"""The `quotebot` / `python -m bot` command line: build, add, remove, status, ask, show, repl, eval, telegram."""

from __future__ import annotations

import functools
import json
import logging
import sys
from pathlib import Path
from typing import Callable, TextIO

import click

from bot.answer.answerer import Answerer
from bot.answer.passages import Answer
from bot.frontends.json_shapes import answer_json
from bot.chat import ChatSession
from bot.config import Settings
from bot.errors import QuotebotError

logger = logging.getLogger(__name__)


class UserError(click.ClickException):
    """`Error: ...` and exit 2: our user errors (missing folder, bad setting) are usage-like."""

    exit_code = 2


def _say(message: str) -> None:
    click.echo(message, err=True)


def settings_options(f: Callable) -> Callable:
    """--corpus/--index on every command; the environment (QUOTEBOT_CORPUS/_INDEX) and .env otherwise."""

    @click.option("--corpus", type=click.Path(path_type=Path), default=None,
                  help=f"Folder of articles (default: $QUOTEBOT_CORPUS or ./{Settings.corpus_dir}).")
    @click.option("--index", "index_dir", type=click.Path(path_type=Path), default=None,
                  help=f"Folder of the built index (default: $QUOTEBOT_INDEX or ./{Settings.index_dir}).")
    @functools.wraps(f)
    def wrapper(*args, corpus: Path | None, index_dir: Path | None, **kwargs):
        try:
            settings = Settings.from_env().with_paths(corpus, index_dir)
            _configure_logging(settings.log_level)
            return f(settings, *args, **kwargs)
        except QuotebotError as e:
            raise UserError(str(e)) from None

    return wrapper


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level, logging.WARNING),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    # httpx logs every request URL at INFO, and Telegram's URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def open_answerer(settings: Settings) -> Answerer:
    from bot.index.updates import open_index

    return Answerer(open_index(settings, notify=_say), settings.answering)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="quotebot")
def cli() -> None:
    """quotebot: answers questions about news articles by quoting them.

    \b
    Example:
        quotebot ask "How many officials were executed in 2014?"
    """


@cli.command()
@settings_options
def build(settings: Settings) -> None:
    """Build the index of the corpus folder (ask, repl and telegram also do this when needed).

    \b
    Example:
        quotebot build --corpus seeds --index index
    """
    from bot.frontends.progress import ProgressBar
    from bot.index.build import build as build_index

    if sys.stderr.isatty():
        _say(f"Reading and cleaning the articles in {settings.corpus_dir}...")
    with ProgressBar("Indexing articles", minimum=200) as progress:
        _, report = build_index(settings, progress)
    for w in report.warnings:
        _say(f"Warning: {w}")
    for s in report.skipped:
        _say(f"Skipped {s.path}: {s.reason}")
    click.echo(f"Indexed {report.articles} articles, {report.sentences} sentences, "
               f"{report.vocabulary} terms in {report.seconds:.2f} s {report.files_line()} -> {settings.index_dir}")


@cli.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per answer, one per line.")
@click.option("-k", "top_k", type=click.IntRange(1, 50), default=None, help=f"Passages per answer (default: $QUOTEBOT_TOP_K or {Settings.top_k}).")
@click.option("--chat", is_flag=True, help="Treat stdin lines as one conversation (follow-ups, 'more').")
@settings_options
def ask(settings: Settings, question: str | None, as_json: bool, top_k: int | None, chat: bool) -> None:
    """Answer QUESTION, or each line of stdin when no QUESTION is given.

    Lines from stdin are answered each on its own, unless --chat makes them one conversation.

    \b
    Example:
        quotebot ask "Who replaced Choe Sun Hui?"
        printf 'Why was the defense minister executed?\\nmore\\n' | quotebot ask --chat --json
    """
    from dataclasses import replace

    from bot.frontends import terminal

    if top_k:
        settings = replace(settings, top_k=top_k)
    answerer = open_answerer(settings)

    def example() -> str:
        return (answerer.example_questions(1) or ["What happened?"])[0]

    lines: list[str] | TextIO = [question] if question is not None else sys.stdin
    session = ChatSession(answerer)
    for line in lines:
        line = line.rstrip("\n")
        if question is None and not line.strip():
            continue
        if chat:
            reply = session.handle(line)
        else:
            reply = ChatSession(answerer).ask(line)
        if as_json:
            answer = reply.answer or Answer(line, False, ())
            payload = answer_json(answer)
            if reply.notice is not None:
                payload["notice"] = terminal.notice_text(reply.notice, example)
            click.echo(json.dumps(payload, ensure_ascii=False))
            sys.stdout.flush()
        else:
            click.echo(terminal.reply_text(reply, colour=False, example=example))
            if question is None:
                click.echo()


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, one per line.")
@click.option("--dropped", is_flag=True, help="Also every line left out, with the rule that left it out.")
@settings_options
def show(settings: Settings, paths: tuple[Path, ...], as_json: bool, dropped: bool) -> None:
    """Show what the index will hold of article files: metadata and kept paragraphs with their kinds.

    A folder stands for every article file in it.  Paths inside the corpus folder are named as the
    index names them (relative to it).

    \b
    Example:
        quotebot show seeds/004_c8dacecdbfac066f.txt
        quotebot show --json --dropped seeds
    """
    from bot.frontends.pages import read_pages, page_text
    from bot.frontends.json_shapes import page_json

    for page, removed, warnings in read_pages(paths, settings.corpus_dir, dropped):
        for w in warnings:
            _say(f"Warning: {w}")
        shown = removed if dropped else None
        click.echo(json.dumps(page_json(page, shown), ensure_ascii=False) if as_json else page_text(page, shown))


def _update_line(report) -> str:
    """What an update did, for people: "Indexed 2 files, took out 1 (3 segments) in 0.4 s."."""
    parts = []
    if report.added:
        parts.append(f"indexed {len(report.added)} new or edited {'file' if len(report.added) == 1 else 'files'}")
    if report.removed:
        parts.append(f"took out {len(report.removed)} deleted {'file' if len(report.removed) == 1 else 'files'}")
    done = ", ".join(parts) if parts else "nothing to change"
    merged = ", merged" if report.merged else ""
    return f"{done[0].upper()}{done[1:]} ({report.segments} {'segment' if report.segments == 1 else 'segments'}{merged}) in {report.seconds:.2f} s."


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@settings_options
def add(settings: Settings, paths: tuple[Path, ...]) -> None:
    """Index article files or folders of them, without rebuilding the index.

    Files outside the corpus folder are copied into it first (a folder under its own name); files
    already inside are indexed where they are.  Any other change in the folder is indexed too.

    \b
    Example:
        quotebot add ~/Downloads/story.html
    """
    from bot.index.updates import add as add_files

    copied, report = add_files(settings, list(paths))
    for name in copied:
        _say(f"Copied {name} into {settings.corpus_dir}")
    for s in report.skipped:
        if s.path in report.added:
            _say(f"Skipped {s.path}: {s.reason}")
    click.echo(_update_line(report))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@settings_options
def remove(settings: Settings, paths: tuple[Path, ...]) -> None:
    """Delete article files (with their sidecars) from the corpus folder and take them out of the index.

    A path is a file in the corpus folder or its name as sources give it; one already gone from the
    folder is only taken out of the index.

    \b
    Example:
        quotebot remove seeds/004_c8dacecdbfac066f.txt
    """
    from bot.index.updates import remove as remove_files

    deleted, report = remove_files(settings, list(paths))
    for name in deleted:
        _say(f"Deleted {name} from {settings.corpus_dir}")
    click.echo(_update_line(report))


@cli.command()
@settings_options
def merge(settings: Settings) -> None:
    """Merge the index's segments into one now (the bots and add/remove merge by themselves as needed).

    \b
    Example:
        quotebot merge
    """
    from bot.index.updates import merge as merge_segments

    _, report = merge_segments(settings)
    click.echo(f"{report.segments} {'segment' if report.segments == 1 else 'segments'}"
               f"{', merged' if report.merged else ' (nothing to merge)'} in {report.seconds:.2f} s.")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
@settings_options
def status(settings: Settings, as_json: bool) -> None:
    """Show the index's segments and what changed in the corpus folder that is not indexed yet.

    \b
    Example:
        quotebot status
    """
    from dataclasses import asdict

    from bot.frontends.terminal import status_text
    from bot.index.updates import status as index_status

    found = index_status(settings)
    if as_json:
        click.echo(json.dumps(asdict(found), default=str, ensure_ascii=False))
    else:
        click.echo(status_text(found))


@cli.command()
@settings_options
def repl(settings: Settings) -> None:
    """Chat in the terminal: ask questions, :more, :sources, :help, :quit (or Ctrl-D).

    \b
    Example:
        quotebot repl --corpus seeds
    """
    from bot.answer.live import LiveAnswerer
    from bot.frontends.repl import run_repl

    answerer = LiveAnswerer(open_answerer(settings), settings)  # articles saved into the folder meanwhile are picked up
    answerer.start()
    try:
        run_repl(answerer, history=settings.history_path)
    finally:
        answerer.stop()


@cli.command("eval")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--off-corpus", type=click.FloatRange(0.0, 0.95), default=0.0, show_default=True,
              help="SQuAD: share of articles left out of the corpus; their questions should get no answer.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Ask only this many questions (seeded sample).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for --limit and --off-corpus.")
@click.option("--misses", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the questions answered wrongly to this JSON-lines file.")
@click.option("--distractors", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Articles added to the corpus and never asked about: SQuAD JSON or a folder of article files (repeatable).")
@click.option("--form", type=click.Choice(("html", "text")), default="html", show_default=True,
              help="news-qa: its pages as saved, or rendered as whole-page text (html-text, the bench extra).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@settings_options
def evaluate(settings: Settings, file: Path, off_corpus: float, limit: int | None, seed: int,
             misses: Path | None, distractors: tuple[Path, ...], form: str, as_json: bool) -> None:
    """Measure the answerer on SQuAD v1.1 JSON, a canned-question file or a news-qa folder.

    SQuAD articles are written into a temporary corpus and indexed the normal way; every question
    goes through the same answerer as `ask`, with plain BM25 measured alongside.

    \b
    Example:
        quotebot eval tests/data/canned.json
        quotebot eval dev-v1.1.json --off-corpus 0.5 --distractors train-half-a.json --json
        quotebot eval ../shared/data/news-qa --form text
    """
    from bot.eval import run as evaluation
    from bot.frontends.eval_report import format_report
    from bot.frontends.progress import ProgressBar

    with ProgressBar("Asking", enabled=sys.stderr.isatty() and not as_json) as progress:
        report = evaluation.evaluate(file, settings, off_corpus=off_corpus, limit=limit, seed=seed,
                                     misses_path=misses, progress=progress, form=form, distractors=distractors)
    click.echo(json.dumps(report.to_json()) if as_json else format_report(report))


@cli.command()
@click.option("--webhook", metavar="URL", default=None,
              help="Run as a webhook server for this public HTTPS URL instead of long polling.")
@click.option("--listen", default="127.0.0.1", show_default=True, help="Webhook server address.")
@click.option("--port", type=click.IntRange(1, 65535), default=8443, show_default=True, help="Webhook server port.")
@click.option("--secret-token", default=None, help="Secret Telegram must send in each webhook request.")
@settings_options
def telegram(settings: Settings, webhook: str | None, listen: str, port: int, secret_token: str | None) -> None:
    """Run the Telegram bot (long polling, or --webhook). Needs TELEGRAM_BOT_TOKEN.

    \b
    Example:
        TELEGRAM_BOT_TOKEN=123:abc quotebot telegram
        quotebot telegram --webhook https://bot.example.org/tg --port 8443 --secret-token s3cret
    """
    settings.checked_token()
    from bot.answer.live import LiveAnswerer
    from bot.frontends.telegram.app import run

    answerer = LiveAnswerer(open_answerer(settings), settings)
    answerer.start()
    try:
        run(settings, answerer, webhook=webhook, listen=listen, port=port, secret_token=secret_token)
    finally:
        answerer.stop()


def main() -> None:
    try:
        cli(prog_name="quotebot")
    except KeyboardInterrupt:
        sys.exit(130)
