"""Recognise bylines, datelines, dates and the publisher's own name in page text."""

from __future__ import annotations

import re

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_DATE = rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}})"
DATE_RE = re.compile(_DATE)

# A name's word; a month before a day ("By Regan September 15, 2014") is the date, not the name.
_NAME_WORD = rf"(?!{_MONTH}\s*\d)[A-Z][\w'’.-]*"
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}"
_BYLINE = re.compile(
    rf"^(?i:by|written by|posted by|words by|story by)\s+(?P<name>{_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*?)"
    rf"(?=$|\s*[,|•·–—-]|\s+on\s|\s+in\s|\s+and\s+[a-z]|\s+(?:{_MONTH})|\s+\d)",
)
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'’]+(?:[ -][A-Z][A-Z.'’]+)*(?:,\s+[A-Z][A-Za-z.]+(?:\s[A-Z][A-Za-z.]+)?)?)"
    rf"(?:,\s+(?P<date>{_DATE}))?"
    r"\s*(?:\((?P<pub>[A-Za-z][\w .&'-]{0,30})\))?"
    r"\s*(?:--|—|–|-)\s"
)
_TIMESTAMP = re.compile(
    rf"^(?:(?:published|updated|posted|last updated|first published|modified)\b[^.]*|(?:\w+day,?\s+)?{_DATE}"
    r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?)?)$",
    re.IGNORECASE,
)
_PROPER = r"(?:The\s+)?[A-Z][\w&'’-]*(?:\s+(?:of|and|&|for|on)?\s*[A-Z][\w&'’-]*){0,5}"
_COPYRIGHT = re.compile(rf"(?:©|\((?i:c)\)|(?i:copyright))\s*(?:\d{{4}}(?:\s*[-–]\s*\d{{4}})?,?\s+)?(?P<name>{_PROPER})")
_ACCESS = re.compile(
    rf"\b(?i:access to|subscription to|subscriber to|subscribe to|welcome to|thank you for reading|member of|"
    rf"sign in to|log in to|newsletter from|support)\s+(?:the\s+)?(?P<name>{_PROPER})"
)
_GENERIC = set(
    "all our rights reserved newsletter newsletters premium digital unlimited access this content site app apps"
    " the account subscription stories articles journalism news".split()
)


def byline(t: str) -> str | None:
    """'By Elizabeth Shim' -> 'Elizabeth Shim' when the whole line is a byline."""
    # (split at most 14 times: whether there are over 14 words, without splitting a whole paragraph)
    if len(t.split(None, 14)) > 14 or (t.endswith(".") and not re.search(r"\b[A-Z]\.$", t)):
        return None
    m = _BYLINE.match(t)
    if not m:
        return None
    name = m.group("name").strip(" ,")
    rest = t[m.end():]
    if rest and not re.match(r"^\s*(?:[,|•·–—-]|on\b|in\b|\d|" + _MONTH + ")", rest):
        return None
    return name.title() if name.isupper() else name


def posted_date(t: str) -> str | None:
    m = DATE_RE.search(t)
    return iso_date(m.group(0)) if m else None


def is_timestamp(t: str) -> bool:
    # (split at most 16 times, as in byline)
    return len(t.split(None, 16)) <= 16 and bool(_TIMESTAMP.match(t.strip())) and bool(DATE_RE.search(t) or re.search(r"\d", t))


def dateline(t: str) -> tuple[str, str | None, str | None] | None:
    """(place, date, publisher) from 'SEOUL, July 2 (UPI) -- ...'."""
    m = _DATELINE.match(t)
    if not m or len(m.group("place").replace(".", "")) < 2:
        return None
    date = iso_date(m.group("date")) if m.group("date") else None
    return m.group("place"), date, m.group("pub")


def iso_date(printed: str) -> str:
    """ISO when day, month and year are all printed; otherwise as printed."""
    s = printed.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        return s
    m = re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", s) or None
    if m:
        mon, day, year = m.group(1), m.group(2), m.group(3)
    else:
        m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})", s)
        if not m:
            return s
        day, mon, year = m.group(1), m.group(2), m.group(3)
    month = _MONTHS.get(mon.lower())
    if not month or not 1 <= int(day) <= 31:
        return s
    return f"{int(year):04d}-{month:02d}-{int(day):02d}"


def publisher_from_boilerplate(lines: list[str]) -> str | None:
    """The page's own name as it appears in its copyright or access pitch."""
    for rx in (_COPYRIGHT, _ACCESS):
        for line in lines:
            # "© AP" under a photo is a credit; a page's own notice carries a year or reserves rights.
            if rx is _COPYRIGHT and not re.search(r"\b(?:19|20)\d\d\b|rights reserved", line, re.IGNORECASE):
                continue
            for m in rx.finditer(line):
                name = re.sub(r"\s+(?:has|is|was|and|&|of|for|on)$", "", m.group("name").strip())
                name = re.sub(r"\s+(?:Ltd|Limited|Inc|LLC|plc|PLC|Co|Corp|GmbH)$", "", name)
                words = name.split()
                if not words or all(w.lower() in _GENERIC for w in words):
                    continue
                if len(words) == 1 and words[0] in ("The", "All", "Our"):
                    continue
                return name
    return None
