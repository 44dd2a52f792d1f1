"""bot.eval.squad: SQuAD articles written as article files, each answer's offset pointing at its text."""

from __future__ import annotations

import json

import pytest

from bot.errors import QuotebotError
from bot.eval import squad
from tests.support.paths import SQUAD_TINY


def test_squad_offsets_point_at_the_answers(tmp_path):
    articles = squad.load(SQUAD_TINY)
    written = squad.write_corpus(articles, tmp_path)
    raw = json.loads(SQUAD_TINY.read_text())
    for a, art in enumerate(raw["data"]):
        w = written[a]
        assert (tmp_path / w.path).read_text(encoding="utf-8") == w.text
        assert w.text.startswith(art["title"].replace("_", " ") + "\n\n")
        for p, para in enumerate(art["paragraphs"]):
            for qa in para["qas"]:
                ans = qa["answers"][0]
                start = w.paragraph_offsets[p] + ans["answer_start"]
                assert w.text[start:start + len(ans["text"])] == ans["text"]


def test_only_the_kept_articles_are_written(tmp_path):
    articles = squad.load(SQUAD_TINY)
    written = squad.write_corpus(articles, tmp_path, keep={1})
    assert list(written) == [1] and [p.name for p in tmp_path.iterdir()] == [written[1].path]


def test_a_file_that_is_not_squad_is_a_clear_error(tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"questions": []}')
    with pytest.raises(QuotebotError, match="is not SQuAD v1.1 JSON"):
        squad.load(other)
