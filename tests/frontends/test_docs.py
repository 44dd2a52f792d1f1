"""Every command is documented in --help and the README; every setting is in .env.example."""

import re

import pytest
from click.testing import CliRunner

from bot.frontends.cli import cli
from tests.support.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
CONFIG = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_command_has_help_and_readme_mention(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and len(result.output) > 100
    assert f"quotebot {command}" in README or f"python -m bot {command}" in README


def test_every_setting_is_in_env_example_with_a_comment():
    names = set(re.findall(r'"((?:QUOTEBOT|TELEGRAM)_[A-Z_]+)"', CONFIG))
    assert names
    lines = ENV_EXAMPLE.splitlines()
    for name in names:
        at = next((i for i, line in enumerate(lines) if line.startswith(name + "=")), None)
        assert at is not None, name
        while at > 0 and re.match(r"[A-Z_]+=", lines[at - 1]):  # a group of settings under one comment
            at -= 1
        assert lines[at - 1].startswith("#"), name
    assert re.search(r"^TELEGRAM_BOT_TOKEN=\s*$", ENV_EXAMPLE, re.M)  # no secret in the example


def test_readme_has_the_two_setup_commands():
    assert "python -m pip install -e . && python -m bot repl" in README
    assert "python -m pip install -q -e '.[test]' && python -m pytest -q" in README
    assert "python -m pip install -q -e '.[test]' && python -m pytest -q" in (ROOT / ".ci" / "run").read_text()
