"""Answer-type cues: what kind of answer a question wants, and whether a sentence holds one.

A question wants at most one of the ANSWER_TYPES ("how many" a number, "when" a date, "who" a person,
"where" a place), worked out from its question words, and any of the NARROW_TYPES on top of it ("what
percentage" a percentage, "how much money" an amount of money, "what year" a year, "why" a reason).
A sentence meets a type when it holds something of that type that the question did not already say.
Both feed the ranking's cue features and the no-answer decision's "asks_" signals.
"""

from __future__ import annotations

import re

from bot import text

ANSWER_TYPES = ("number", "date", "person", "place")
NARROW_TYPES = ("percent", "money", "year", "reason")

_NUMBER_Q = re.compile(r"\bhow (?:many|much|long|old|far|large|big|tall|high|often|fast|wide|deep|heavy)\b"
                       r"|\bwhat (?:percentage|percent|number|amount|proportion|fraction|share)\b", re.I)
_DATE_Q = re.compile(r"\bwhen\b|\b(?:what|which|in what) (?:year|decade|century|date|month|day|period|era)\b"
                     r"|\bwhat time\b", re.I)
_PERSON_Q = re.compile(r"\bwho(?:m|se)?\b", re.I)
_PLACE_Q = re.compile(r"\bwhere\b|\b(?:what|which) (?:country|city|state|place|region|continent|location|town"
                      r"|county|area|island|river|nation|province)\b", re.I)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen"
                     r"|twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion|dozen|half|percent)\b", re.I)
_DATE = re.compile(r"\b(?:1\d{3}|20\d{2})s?\b|\b\d{1,2}(?:st|nd|rd|th)? century\b|\bcentury\b"
                   r"|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b", re.I)
_NAME = re.compile(r"(?<=[^.!?\s]\s)[^\W\d_][\w'-]+")  # (a capital checked apart: any script)

# Each narrow type: the question words that ask for it, and what in a sentence meets it.
_NARROW_Q = {
    "percent": re.compile(r"\bwhat (?:percentage|percent|proportion|fraction|share)\b", re.I),
    "money": re.compile(r"\bhow much (?:money|did|does|do|was|is|were|are|had|has|cost)\b"
                        r"|\bhow much\b.*\b(?:cost|pay|paid|spend|spent|worth|price|earn|raise|funding)", re.I),
    "year": re.compile(r"\b(?:what|which|in what) year\b", re.I),
    "reason": re.compile(r"\bwhy\b|\bwhat (?:was|is|were|are) the (?:reason|cause|purpose)|\bwhat (?:caused|led to)\b"
                         r"|\bhow come\b", re.I),
}
_NARROW = {
    "percent": re.compile(r"%|\bper ?cent", re.I),
    "money": re.compile(r"[$£€¥]\s?\d|\b\d+(?:[.,]\d+)*\s?(?:dollars|pounds|euros|yen|usd)\b|\b(?:million|billion)\b", re.I),
    "year": re.compile(r"\b(?:1\d{3}|20\d{2})s?\b"),
    "reason": re.compile(r"\b(?:because|due to|owing to|thanks to|as a result|in order to|so that|so as to|reasons?"
                         r"|caused by|led to|for (?:allegedly |reportedly |apparently )?\w+ing)\b", re.I),
}


def answer_type(question: str) -> str | None:
    """Which of ANSWER_TYPES the question wants, from its question words; None when it does not say."""
    if _NUMBER_Q.search(question):
        return "number"
    if _DATE_Q.search(question):
        return "date"
    if _PERSON_Q.search(question):
        return "person"
    if _PLACE_Q.search(question):
        return "place"
    return None


def narrow_types(question: str) -> list[str]:
    """Which of NARROW_TYPES the question wants (any number of them, in NARROW_TYPES order)."""
    return [name for name, pattern in _NARROW_Q.items() if pattern.search(question)]


def has_cue(wanted: str, sentence: str, asked: set[str]) -> bool:
    """Whether the sentence holds something of the wanted one of ANSWER_TYPES that the question (its
    folded words: `asked`) did not already say."""
    pattern = {"number": _NUMBER, "date": _DATE}.get(wanted, _NAME)
    names = pattern is _NAME
    return any(text.fold(m.group(0)) not in asked and (not names or m.group(0)[0].isupper())
               for m in pattern.finditer(sentence))


def has_narrow_cue(wanted: str, sentence: str, asked: set[str]) -> bool:
    """Whether the sentence holds something of the wanted one of NARROW_TYPES; a year must be one the
    question did not already say, the others need only be there."""
    pattern = _NARROW[wanted]
    if wanted == "year":
        return any(text.fold(m.group(0)) not in asked for m in pattern.finditer(sentence))
    return pattern.search(sentence) is not None
