"""benchmarks/fit_associations.py: what the related-terms table learns from question / answer-sentence pairs,
and what it leaves out (the paragraph's topic, the answer's own words, one article's habits)."""

from __future__ import annotations

import json

from bot.answer import expansion
from tests.support.scripts import load_script

fit_associations = load_script("fit_associations")

PEOPLE = ["painter", "poet", "singer", "sailor", "baker", "farmer", "weaver", "potter", "tailor", "miller",
          "mason", "cooper"]


def _squad(path):
    """Six articles of two paragraphs, each with a question asking when someone "died" whose answer
    sentence says "death", every sentence of the paragraph naming the harbour; the first article's
    paragraphs also say "sailed" where their questions ask "depart" (and "die", so that it is seen
    written in lower case in an answer sentence: mostly capitalised words are names)."""
    articles = []
    for a in range(6):
        paragraphs = []
        for p in range(2):
            k = 2 * a + p
            person = PEOPLE[k]
            answer = f"the autumn of 19{10 + k}"
            sentences = [f"The {person} lived by the harbour for years.",
                         f"The {person}'s death by the harbour was in {answer}.",
                         f"The harbour boats kept the {person} busy."]
            qas = [{"id": f"{k}-die", "question": f"When did the {person} die?",
                    "answers": [{"text": answer, "answer_start": None}]}]
            if a == 0:
                sentences.append(f"The {person} sailed from the harbour in the spring of 1920 so as not to die.")
                qas.append({"id": f"{k}-depart", "question": f"When did the {person} depart?",
                            "answers": [{"text": "the spring of 1920", "answer_start": None}]})
            context = " ".join(sentences)
            for qa in qas:
                text = qa["answers"][0]["text"]
                qa["answers"][0]["answer_start"] = context.index(text)
            paragraphs.append({"context": context, "qas": qas})
        articles.append({"title": f"Article {a}", "paragraphs": paragraphs})
    path.write_text(json.dumps({"data": articles, "version": "1.1"}), encoding="utf-8")
    return path


def _rows(squad):
    p = fit_associations.pairs([squad])
    return fit_associations.table(p, *fit_associations.fit(p)), p


def test_a_paraphrase_in_the_answer_sentence_only_is_learnt(tmp_path):
    rows, _ = _rows(_squad(tmp_path / "squad.json"))
    related = [s for s, _ in rows.get("die", [])]
    assert related[:1] == ["death"]
    assert "harbour" not in related  # in every sentence of the paragraph: its topic, not a paraphrase
    assert "autumn" not in related  # the answer's own word: what "when" asks for, not what "die" means
    assert "depart" not in rows  # "sailed" for "depart" in one article's questions only


def test_only_question_terms_missing_from_the_answer_sentence_are_aligned(tmp_path):
    _, p = _rows(_squad(tmp_path / "squad.json"))
    assert all("painter" not in missing for missing in p.missing)  # copied: nothing to learn
    assert all("painter" not in sentence for sentence in p.sentence)  # a copy explains no other word
    assert ["die"] in p.missing


def test_the_same_data_gives_the_same_bytes(tmp_path):
    squad = _squad(tmp_path / "squad.json")
    for out in ("a", "b"):
        rows, p = _rows(squad)
        expansion.write_table(tmp_path / out, rows, p.surface)
    for name in ("keys", "offsets", "terms", "surfaces", "shares"):
        assert (tmp_path / "a" / f"{name}.npy").read_bytes() == (tmp_path / "b" / f"{name}.npy").read_bytes()
