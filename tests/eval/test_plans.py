"""bot.eval.plans: question files -> the corpus folder to index and the questions to ask of it."""

from __future__ import annotations

import json
import random

import pytest

from bot.config import Settings
from bot.errors import QuotebotError
from bot.eval import squad
from bot.eval.plans import canned_plan, plan_for, sample, squad_plan
from tests.support.paths import CANNED, ROOT, SQUAD_TINY


def test_squad_plan_writes_the_corpus_and_points_each_case_at_its_answers(tmp_path):
    plan = squad_plan(squad.load(SQUAD_TINY), tmp_path / "corpus", 0.0, random.Random(0))
    raw = json.loads(SQUAD_TINY.read_text())
    answers = [qa["answers"][0]["text"] for art in raw["data"] for para in art["paragraphs"] for qa in para["qas"]]
    assert (plan.kind, plan.corpus_dir, plan.articles) == ("squad", tmp_path / "corpus", 2)
    assert len(plan.cases) == len(answers) == 5
    for case, expected in zip(plan.cases, answers):
        text = (tmp_path / "corpus" / case.path).read_text(encoding="utf-8")
        assert text[case.offsets[0]:].startswith(expected)


def test_off_corpus_articles_are_left_out_and_their_questions_expect_no_answer(tmp_path):
    plan = squad_plan(squad.load(SQUAD_TINY), tmp_path / "corpus", 0.5, random.Random(0))
    assert plan.articles == 1 and len(list((tmp_path / "corpus").iterdir())) == 1
    off = [c for c in plan.cases if not c.answerable]
    assert off and all(c.offsets == () for c in off) and len(off) < len(plan.cases)
    # never all of them: one article always stays
    assert squad_plan(squad.load(SQUAD_TINY), tmp_path / "all", 0.95, random.Random(0)).articles == 1


def test_canned_plan_finds_its_corpus_folder_from_the_file():
    data = json.loads(CANNED.read_text())
    plan = canned_plan(data, CANNED, Settings(corpus_dir=ROOT / "nowhere"))
    assert plan.kind == "canned" and plan.corpus_dir == ROOT / "seeds" and plan.articles is None
    assert [c.question for c in plan.cases] == [q["question"] for q in data["questions"]]
    assert sum(not c.answerable for c in plan.cases) == sum(1 for q in data["questions"] if q.get("no_answer"))
    first = next(q for q in data["questions"] if not q.get("no_answer"))
    assert (plan.cases[0].path, plan.cases[0].expect) == (first["path"], first["expect"])


def test_a_file_that_is_neither_kind_is_a_clear_error(tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"something": 1}')
    with pytest.raises(QuotebotError, match="neither SQuAD v1.1 JSON, a canned-question file nor news-qa"):
        plan_for(other, Settings(), tmp_path / "corpus", 0.0, random.Random(0))
    other.write_text("{not json")
    with pytest.raises(QuotebotError, match="cannot read"):
        plan_for(other, Settings(), tmp_path / "corpus", 0.0, random.Random(0))


def test_sample_keeps_the_order_and_is_seeded():
    cases = list(range(100))
    picked = sample(cases, 7, random.Random(3))
    assert len(picked) == 7 and picked == sorted(picked) and picked == sample(cases, 7, random.Random(3))
    assert sample(cases, None, random.Random(3)) is cases and sample(cases, 500, random.Random(3)) is cases
