"""The terminal chat: line editing and history (readline), :help, :more, :sources, :quit."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.answer.service import AnswerService
from bot.chat import ChatSession
from bot.frontends import terminal

PROMPT = "quotebot> "
EXIT_HINT = "Type a question, :help for help, :quit or Ctrl-D to leave."


def _setup_line_editing(history: Path) -> None:
    try:
        import readline
    except ImportError:  # not on every platform; input() still works without it
        return
    try:
        readline.read_history_file(history)
    except OSError:
        pass
    readline.set_history_length(1000)
    import atexit

    def save() -> None:
        try:
            readline.write_history_file(history)
        except OSError:
            pass

    atexit.register(save)


def run_repl(answerer: AnswerService, stdin=None, stdout=None, history: Path | None = None) -> None:
    """Chat until :quit or end of input; `history`: the file readline keeps past questions in."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty() and stdout.isatty()
    colour = interactive
    if interactive and history is not None:
        _setup_line_editing(history.expanduser())
    session = ChatSession(answerer)

    def example() -> str:
        return (answerer.example_questions(1) or ["What happened?"])[0]

    print(f"quotebot: {answerer.article_count} articles, {answerer.sentence_count} sentences. {EXIT_HINT}", file=stdout)
    while True:
        try:
            line = input(PROMPT) if interactive else _read_line(stdin, stdout)
        except (EOFError, KeyboardInterrupt):
            print(file=stdout)
            break
        if line is None:
            break
        command = line.strip().lower()
        if command in (":quit", ":q", ":exit", "quit", "exit"):
            break
        if command in (":help", "help", "?"):
            print(terminal.help_text(example()), file=stdout)
            continue
        if command in (":sources", "sources"):
            print(terminal.sources_text(answerer.sources()), file=stdout)
            continue
        if command.startswith(":") and command != ":more":
            print(f"Unknown command {command}. {EXIT_HINT}", file=stdout)
            continue
        print(terminal.reply_text(session.handle(line), colour, example), file=stdout)
    print("Bye.", file=stdout)


def _read_line(stdin, stdout) -> str | None:
    stdout.write(PROMPT)
    stdout.flush()
    line = stdin.readline()
    if not line:
        return None
    return line.rstrip("\n")
