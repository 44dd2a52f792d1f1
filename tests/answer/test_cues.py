"""Answer-type cues: what a question wants, and whether a sentence holds it."""

from __future__ import annotations

import pytest

from bot.answer import cues


@pytest.mark.parametrize("question, wanted", [
    ("How many cables were replaced?", "number"),
    ("What percentage of the budget?", "number"),  # a number, and a percentage on top
    ("When did the bridge reopen?", "date"),
    ("In what year did it open?", "date"),
    ("Who cut the ribbon?", "person"),
    ("Whose ribbon was it?", "person"),
    ("Where is the library?", "place"),
    ("Which city has a new library?", "place"),
    ("Why did the river freeze?", None),
    ("What did the engineers replace?", None),
    ("How many people, and when?", "number"),  # the first that applies, in ANSWER_TYPES order
])
def test_answer_type(question, wanted):
    assert cues.answer_type(question) == wanted
    assert wanted is None or wanted in cues.ANSWER_TYPES


@pytest.mark.parametrize("question, wanted", [
    ("What percentage of the budget?", ["percent"]),
    ("How much did the repairs cost?", ["money"]),
    ("How much money was spent?", ["money"]),
    ("How much snow fell?", []),
    ("In what year did it open?", ["year"]),
    ("Why did the river freeze?", ["reason"]),
    ("What caused the delay?", ["reason"]),
    ("Why, and in what year?", ["year", "reason"]),
    ("Who cut the ribbon?", []),
])
def test_narrow_types(question, wanted):
    assert cues.narrow_types(question) == wanted
    assert set(wanted) <= set(cues.NARROW_TYPES)


def test_a_cue_is_something_the_question_did_not_already_say():
    sentence = "Engineers replaced 412 steel cables in 1998."
    assert cues.has_cue("number", sentence, set())
    assert cues.has_cue("number", sentence, {"412"})  # 1998 is a number too
    assert not cues.has_cue("number", sentence, {"412", "1998"})
    assert cues.has_cue("date", sentence, set()) and not cues.has_cue("date", sentence, {"1998"})
    assert cues.has_cue("date", "It reopened in March.", set())


def test_a_name_is_a_capitalised_word_that_does_not_open_a_sentence():
    assert not cues.has_cue("person", "Engineers replaced the cables.", set())
    assert cues.has_cue("person", "The mayor, Tom Reed, praised them.", set())
    assert not cues.has_cue("person", "The mayor, Tom Reed, praised them.", {"tom", "reed"})
    assert not cues.has_cue("person", "He left. Tom stayed.", set())  # "Tom" opens a sentence
    assert cues.has_cue("place", "The bridge in Portville reopened.", set())


def test_narrow_cues():
    assert cues.has_narrow_cue("percent", "Costs rose 12% this year.", set())
    assert cues.has_narrow_cue("percent", "Costs rose 12 per cent.", set())
    assert cues.has_narrow_cue("money", "The repairs cost $48 million.", set())
    assert not cues.has_narrow_cue("money", "The repairs took 48 days.", set())
    assert cues.has_narrow_cue("reason", "They stopped because the river froze.", set())
    assert cues.has_narrow_cue("year", "It opened in 1998.", set())
    assert not cues.has_narrow_cue("year", "It opened in 1998.", {"1998"})  # a year: one not asked about
    assert cues.has_narrow_cue("money", "It cost 48 million.", {"48", "million"})  # the others: just there
