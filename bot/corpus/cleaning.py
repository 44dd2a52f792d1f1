"""Line rules: split scraped text into paragraphs and recognise page furniture.

Every rule here is about the *shape* of page furniture (ad markers, glued icon
labels, menus, paywall pitches, photo credits), never about one site's lines,
because users drop in articles from publishers we have never seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")
# Full stops of Latin and of CJK scripts ("。！？"), maybe closed by quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?。！？][\"'”’)\]」』]*$")
# Scripts written without spaces between words (Han, kana, Thai, Hangul...): counted by characters.
SPACE_FREE = re.compile(r"[\u0e00-\u0e7f\u1000-\u109f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
CHARS_PER_WORD = 2.0
# A sentence's closing stop and quotes lie within its last this many characters.
_END_CHARS = 16
_PUNCT_START = set(".,;:)]!?…")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def norm(text: str) -> str:
    return " ".join(text.split())


def split_paragraphs(text: str) -> list[Span]:
    """Blank lines end a block; inside a block each line is its own paragraph
    unless it is plainly the wrapped tail of the line before."""
    spans: list[Span] = []
    cur: list[int] | None = None  # [start, end] of the paragraph being built
    prev = ""
    for m in _LINE.finditer(text):
        if m.start() == len(text) and not m.group(0):
            break
        line = m.group(1)
        stripped = line.strip()
        if not stripped:
            if cur:
                spans.append(Span(*cur))
            cur, prev = None, ""
            continue
        s = m.start(1) + (len(line) - len(line.lstrip()))
        e = m.start(1) + len(line.rstrip())
        if cur and _continues(prev, stripped):
            cur[1] = e
        else:
            if cur:
                spans.append(Span(*cur))
            cur = [s, e]
        prev = stripped
    if cur:
        spans.append(Span(*cur))
    return spans


def _continues(prev: str, nxt: str) -> bool:
    if prev[-1] in ";,-–—":
        return True
    if _SENTENCE_END.search(prev[-_END_CHARS:]) or prev.endswith(":"):
        return False
    return nxt[0].islower() or nxt[0] in _PUNCT_START


# --- things that are never article text -------------------------------------

_AD = re.compile(
    r"^(?:advertisements?|advert|ads?|sponsored|paid (?:content|post)|promoted(?: content| stories)?"
    r"|(?:story|article|content) continues (?:below|after)(?: this)? (?:advertisement|ad)"
    r"|(?:story|article) continues below|continue reading(?: below| the main story)?"
    r"|scroll (?:down )?to continue(?: with content)?|skip (?:this )?(?:ad|advertisement)"
    r"|ad feedback|advertisement\W+scroll to continue)$"
)
# Headings that open a block of teasers/links that runs on until prose resumes.
_ZONE = re.compile(
    r"^(?:sponsored (?:content|stories|links|posts)|paid (?:partner|post)s?"
    r"|(?:latest|top|more|related|recommended|trending|popular|featured|further)"
    r"(?: (?:headlines|news|stories|articles|videos|content|coverage|links|reading|posts|topics|now))?"
    r"|most (?:read|popular|viewed|shared|watched|emailed)(?: (?:stories|articles|now|today))?"
    r"|editor'?s'? picks|(?:you|we think you) (?:may|might|will) (?:also )?(?:like|enjoy)(?: this)?"
    r"|read (?:next|this next)|what to read next|up next|watch next|around the web"
    r"|from (?:our|the) partners?|in other news|(?:also|see) (?:read|see|also)"
    r"|more (?:from|on|in|about) [\w' -]{1,40})$"
)
# Reader comments: everything after them is other people's words.
_COMMENTS = re.compile(
    r"^(?:\d+\s+)?(?:comments?|responses?|replies|reader comments|join the (?:conversation|discussion)"
    r"|leave a (?:comment|reply)|add (?:a|your) comment|what do you think)(?:\s*\(\d+\))?$"
)
_NAV = re.compile(
    r"^(?:share(?: this| on \w+)?(?: article| story| page| post)?|tweet|e-?mail|print|pin|save|copy link|link copied"
    r"|\d+ comments?|(?:view|show|hide|load) (?:comments|more|caption)|toggle caption|expand|close|menu"
    r"|home|search|sign (?:in|up|out)|log (?:in|out)|register|subscribe(?: now| today| here)?"
    r"|newsletters?|back to top|skip to (?:main )?content|skip navigation|read (?:more|full (?:story|article))"
    r"|click here.*|follow us.*|listen(?: to this (?:article|story))?|\d+ min(?:ute)?s? read"
    r"|(?:next|previous) (?:article|story|post)|image \d+ of \d+|(?:play|watch) video|gift (?:this )?article"
    r"|font size|text size|weather|forecast|obituaries|tags?:.*|filed under:?.*|categor(?:y|ies):.*"
    r"|posted in .*|topics?:.*|all rights reserved\.?|copyright .*|© .*|published|updated"
    r"|\d+ (?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?) ago|(?:additional )?(?:reporting|writing|editing) by .*)$"
)
_UI_WORDS = set(
    """share tweet email e-mail print pin save copy link menu search home close open icon arrow chevron
    logo video audio play pause next previous prev more less show hide expand collapse sign in log out
    up subscribe login logout register account profile settings newsletter newsletters alerts feedback
    top back to skip content navigation main site title burger artboard sketch created with layer path
    mail contact positive negative eye grid list facebook twitter linkedin whatsapp reddit pinterest
    instagram youtube flipboard messenger comment comments bookmark gift svg button toggle caption
    font size text weather forecast obituaries opinion sports news""".split()
)
_CAMEL = re.compile(r"[a-z][A-Z]")
# ASCII letters by case (a, A), all else a space: in ASCII text _CAMEL's matches are the b"aA" in it.
_CASES = bytes(97 if 97 <= b <= 122 else 65 if 65 <= b <= 90 else 32 for b in range(256))
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\$\{\w+\}|%%\w+%%")
_STRONG_PROMO = re.compile(
    r"\b(?:subscri\w*|unlimited|free (?:articles?|stor(?:y|ies)|trial)|trial|offers?|premium|paywall"
    r"|membership|members? only|sign(?:ed)? (?:in|up)|log(?:ged)? in|register(?:ed)?|registration"
    r"|newsletters?|inbox|(?:digital|full|unlimited) access|per (?:month|week|year)|a (?:month|week)"
    r"|cancel (?:any ?time|at any time)|billed|discount|click here|tap here|follow us)\b"
    r"|[$€£]\s?\d|\b\d+% off\b"
)
_WEAK_PROMO = re.compile(
    r"\b(?:access|apps?|account|exclusives?|insights|device|tablet|mobile|download|article|coverage|journalism|plans?)\b"
)
# A literal of every alternative of _STRONG_PROMO, and of _WEAK_PROMO (keep them in step; a test checks
# them): most paragraphs hold none, and a substring test costs a fraction of the alternations' scan.
_STRONG_HINTS = ("subscri", "unlimited", "free ", "trial", "offer", "premium", "paywall", "member", "sign", "log",
                 "regist", "newsletter", "inbox", "access", "per ", "a month", "a week", "cancel", "billed",
                 "discount", "click here", "tap here", "follow us", "$", "€", "£", "% off")
_WEAK_HINTS = ("access", "app", "account", "exclusive", "insights", "device", "tablet", "mobile", "download",
               "article", "coverage", "journalism", "plan")
_IMPERATIVE = set(
    """get try subscribe join sign start read use see stay unlock download register log claim save enjoy
    become support give upgrade continue click tap follow listen watch don't dont already learn discover
    explore create choose access renew activate""".split()
)
def _promo_count(pattern: re.Pattern, hints: tuple[str, ...], low: str) -> int:
    """len(pattern.findall(low)), for _STRONG_PROMO or _WEAK_PROMO and its hints."""
    return len(pattern.findall(low)) if any(h in low for h in hints) else 0


_DEVICE_NOTICE = re.compile(r"\b(?:browser|device|javascript|cookies?|ad ?blocker)\b")
_DEVICE_VERB = re.compile(r"\b(?:your|you|enable|unsupported|not supported|we use|update|disable)\b")
_ATTRIBUTION_WORDS = ("said", "says", "told", "tells", "according to", "added", "asked", "explained", "wrote")
_ATTRIBUTION = re.compile(r"\b(?:" + "|".join(_ATTRIBUTION_WORDS) + r")\b")
_QUOTES = re.compile(r"[\"“”«»„]")
_TEMPERATURE = re.compile(r"\d+\s*°")
_MENU_SEP = re.compile(r"\s+[|•·]\s+|\s*\|\s*")


def protected(t: str) -> bool:
    """Quoted or attributed speech is the article's own words even when it
    talks about subscriptions or apps."""
    return _protected(t, t.lower())


def _protected(t: str, low: str) -> bool:
    # Substring tests first: a regex that opens with \b is tried at every position of the text, and
    # these run on every paragraph; the regexes only confirm what the tests found.
    if '"' in t or (not t.isascii() and _QUOTES.search(t)):
        return True
    return any(w in low for w in _ATTRIBUTION_WORDS) and bool(_ATTRIBUTION.search(low))


_BARE_LEAD = frozenset("•·*>#-")
_BARE_TRAIL = frozenset(":.-–—|»›>")


def _bare(t: str) -> str:
    # Same as re.sub(r"^[\s•·*>#-]+|[\s:.\-–—|»›>]+$", "", t.lower()) without scanning the whole text.
    low = t.lower()
    i, j = 0, len(low)
    while i < j and (low[i] in _BARE_LEAD or low[i].isspace()):
        i += 1
    while j > i and (low[j - 1] in _BARE_TRAIL or low[j - 1].isspace()):
        j -= 1
    return low[i:j]


# ASCII bytes as str.split() sees them: whitespace -> b" ", anything else -> b"x".
_SPLIT_CLASSES = bytes(32 if chr(b).isspace() else 120 for b in range(128)) + b"x" * 128


def _word_total(t: str) -> int:
    """len(t.split()) without making the list: in ASCII text each word is a b"x" run of its classes,
    which starts the text or follows a b" "."""
    if not t.isascii():
        return len(t.split())
    marks = t.encode("ascii").translate(_SPLIT_CLASSES)
    return marks.count(b" x") + marks.startswith(b"x")


def word_count(t: str) -> float:
    """Words, with a space-free script's characters counted at CHARS_PER_WORD each: a Japanese
    sentence is no one-word label."""
    n = len(t.split())
    if t.isascii():
        return n
    cjk = len(SPACE_FREE.findall(t))
    return n + cjk / CHARS_PER_WORD - min(n, cjk) if cjk else n


def _at_most(t: str, n: int) -> bool:
    """word_count(t) <= n, without splitting all of a long paragraph."""
    if not t.isascii() and SPACE_FREE.search(t):
        return word_count(t) <= n
    return len(t.split(None, n)) <= n


def is_zone_marker(t: str) -> bool:
    return _at_most(t, 6) and bool(_ZONE.match(_bare(t)))


def is_comments_marker(t: str) -> bool:
    return _at_most(t, 6) and bool(_COMMENTS.match(_bare(t)))


def sentence_like(t: str) -> bool:
    return bool(_SENTENCE_END.search(t[-_END_CHARS:]))  # (an end-anchored search still scans from the start)


def ui_glue(t: str, n_words: int | None = None) -> bool:
    """Icon labels scraped from SVG titles arrive glued: 'ChevronEye IconIcon Facebook'.
    `n_words`: len(t.split()) when the caller has it."""
    if n_words is None:
        n_words = _word_total(t)
    # (in ASCII text counted on bytes: "aA" cannot overlap itself, so its count is findall's)
    glued = t.encode("ascii").translate(_CASES).count(b"aA") if t.isascii() else len(_CAMEL.findall(t))
    if glued < 3 or glued < 0.25 * n_words:
        return False
    parts = re.findall(r"[A-Za-z]+?(?=[A-Z]|\b)|[A-Za-z]+", t)
    ui = sum(p.lower() in _UI_WORDS for p in parts)
    return not sentence_like(t) or ui >= 0.3 * max(1, len(parts))


def boilerplate_reason(t: str) -> str | None:
    """Why a paragraph (whitespace-normalised) is page furniture, or None."""
    bare = _bare(t)
    n = _word_total(t)
    if not bare:
        return "punctuation"
    if _AD.match(bare):
        return "ad marker"
    if ("{" in t or "%%" in t) and _PLACEHOLDER.search(t):
        return "template placeholder"
    if ui_glue(t, n):
        return "icon labels"
    if n <= 6 and (_ZONE.match(bare) or _COMMENTS.match(bare)):
        return "section heading"
    low = t.lower()
    prot = _protected(t, low)
    if not prot and n <= 12 and _NAV.match(bare):
        return "navigation"
    if not sentence_like(t) and n <= 6:
        tokens = re.findall(r"[a-z'-]+", bare)
        if tokens and sum(w in _UI_WORDS for w in tokens) >= 0.7 * len(tokens):
            return "navigation"
        if _TEMPERATURE.search(t):
            return "weather widget"
    if not prot and _menu_row(t):
        return "menu"
    if prot:
        return None
    if n <= 25 and _DEVICE_NOTICE.search(low) and _DEVICE_VERB.search(low):
        return "browser notice"
    return "promotion" if _promotion(t, low, n) else None


def _promotion(t: str, low: str, n: int) -> bool:
    """A paywall or newsletter pitch: promotion keywords in a short line, or talking to the reader.
    A long paragraph of several sentences is prose unless the keywords are dense: an encyclopedic
    paragraph on car registration mentions 'registration' a few times and says 'we' once.
    `low`: t lowercased; `n`: its words."""
    if n <= 8:
        # Short: one strong keyword is enough; two weak ones need a pitch.
        if _promo_count(_STRONG_PROMO, _STRONG_HINTS, low):
            return True
        return _promo_count(_WEAK_PROMO, _WEAK_HINTS, low) >= 2 and _pitch_low(low)
    if not _pitch_low(low):
        return False
    strong = _promo_count(_STRONG_PROMO, _STRONG_HINTS, low)
    weak = _promo_count(_WEAK_PROMO, _WEAK_HINTS, low)
    if not (strong or weak >= 2):
        return False
    if n >= _PROMO_LONG_WORDS and len(sentences(t)) >= _PROMO_LONG_SENTENCES:
        return (strong + weak / 2) * _PROMO_DENSITY >= n
    return True


# A paragraph this long, of this many sentences, is prose unless one in every _PROMO_DENSITY
# words is a promotion keyword (weak ones count half).
_PROMO_LONG_WORDS = 40
_PROMO_LONG_SENTENCES = 3
_PROMO_DENSITY = 12
_READER_WORDS = r"(?:you|your|you're|yours|you've|you'll|our|we)\b"
_READER = re.compile(r"\b" + _READER_WORDS)
_READER_AFTER_START = re.compile(_READER_WORDS)  # _READER without its opening \b (see _search_words)


def _search_words(words: re.Pattern, after_start: re.Pattern, s: str) -> bool:
    """Whether `words` (r"\b" + `after_start`) occurs in s.  re tries a pattern that opens with \b at
    every position; `after_start` lets it skip to where a word can begin, and each place it matches is
    checked with `words` itself (match at a position sees the character before it)."""
    m = after_start.search(s)
    while m is not None:
        if words.match(s, m.start()):
            return True
        m = after_start.search(s, m.start() + 1)
    return False


def pitch(t: str) -> bool:
    """Talks to the reader: second person, 'we/our', or starts with an imperative."""
    return _pitch_low(t.lower())


_NOT_IMPERATIVE_LETTER = re.compile(r"[^a-z']")


def _pitch_low(low: str) -> bool:
    head = low.split(None, 1)
    first = _NOT_IMPERATIVE_LETTER.sub("", head[0]) if head else ""
    return first in _IMPERATIVE or _search_words(_READER, _READER_AFTER_START, low)


def _menu_row(t: str) -> bool:
    if "|" not in t and "•" not in t and "·" not in t:
        return False  # no separator: one part
    parts = [p for p in _MENU_SEP.split(t) if p.strip()]
    return len(parts) >= 3 and all(len(p.split()) <= 3 and not sentence_like(p) for p in parts)


# "Read more: <another story's headline>", "Lea también: …", "MIRA: …": a short capitalised label
# (no digits, no quotes) and a colon before a headline: a few words, no closing stop, no quotation.
_TEASER_LABEL = re.compile(r"^\W{0,3}(?:[^\s:：\d„“”\"«»]+\s?){1,3}[:：]\s+")
_TEASER_LABEL_CHARS = 32
_TEASER_WORDS = (4, 18)
_QUOTED = re.compile(r"[„“”\"«»{}=•]")


def teaser_label(t: str) -> bool:
    """A line that points to another story: a short label and a colon before its headline."""
    if not t[:1].isupper():
        return False
    head = t[:_TEASER_LABEL_CHARS + 8]
    if ":" not in head and "：" not in head:  # the label's colon; spares the regex's backtracking
        return False
    m = _TEASER_LABEL.match(head)
    if not m or m.end() > _TEASER_LABEL_CHARS:
        return False
    rest = t[m.end():]
    if _QUOTED.search(rest) or rest[:1] in "'‚‘([{>":
        return False
    return (_TEASER_WORDS[0] <= len(rest.split()) <= _TEASER_WORDS[1] and not sentence_like(rest)
            and not rest.endswith(":"))


def short_label(t: str) -> bool:
    if t.endswith(("...", "…", "...\n", "…\n")):
        t = re.sub(r"(?:\.\.\.|…)$", "", t)  # "Loading..." is a widget label, not a sentence
    return _at_most(t, 3) and not sentence_like(t) and not protected(t)


# --- photo credits and captions --------------------------------------------

_CREDIT = re.compile(
    r"(?:^|(?<=[.!?\"”’)])\s+|\s{2,}|\s+[|/–—-]\s+)"
    r"(?P<credit>"
    r"(?:file |staff |handout |pool )?(?:photo|photograph|picture|image|video|illustration|graphic)s?"
    r"(?: by|:| courtesy(?: of)?| credit:?| source:?| copyright)\s+[^!?]{1,80}"
    r"|©\s*[^!?]{1,60}"
    r"|\((?:[A-Z][\w.&-]*\s?){1,4}(?:Photo|Images?|Pool)(?:/[^)]{1,60})?\)"
    r"|(?:[\w.&-]+\s?/\s?)?Getty Images(?: for [^.]{1,40})?"
    r"|(?:Reuters|AFP|AP|EPA|EPA-EFE|Xinhua|Bloomberg|Yonhap|Shutterstock|Alamy)\s?/\s?[A-Z][\w .'’-]{1,50}"
    r"|(?:credit|source):\s*[^!?]{1,60}"
    r")\s*$",
    re.IGNORECASE,
)
_CAPTION_PREFIX = re.compile(r"^(?:image|photo|picture|video|media) caption[:\s]+", re.IGNORECASE)
_CREDIT_ONLY = re.compile(
    r"^(?:(?:image|photo|picture|media) (?:copyright|source|credit)s?\b.*|getty images|(?:photo|image) credit.*)$",
    re.IGNORECASE,
)


# Literals one of which every _CREDIT / _CREDIT_ONLY match contains: a cheap test that rules them out.
_CREDIT_HINT = re.compile(r"photo|picture|image|video|illustration|graphic|©|pool|/|credit|source", re.IGNORECASE)
_CREDIT_ONLY_HINT = re.compile(r"\s*(?:image|photo|picture|media|getty)", re.IGNORECASE)


_CREDIT_WORDS = ("photo", "picture", "image", "video", "illustration", "graphic", "pool", "/", "credit", "source")


# A credit closes its paragraph and is at most a few dozen words: it lies within this many last characters.
_CREDIT_REACH = 400


# Letters that match the credit words' letters case-insensitively without lowering to them.
_FOLD_ALIKES = frozenset("ſıİK")


def _credit_hint(t: str, start: int) -> bool:
    # plain substring tests, unless the text holds a case-folding look-alike
    if t.isascii() or not _FOLD_ALIKES.intersection(t[start:]):
        low = t[start:].lower()
        return any(w in low for w in _CREDIT_WORDS) or (not t.isascii() and "©" in low)
    return bool(_CREDIT_HINT.search(t, start))


def caption_parts(raw: str) -> tuple[int, int] | None:
    """If the paragraph is a captioned photo, the (start, end) of the caption
    text inside `raw` without prefix or credit; (0, 0) for a bare credit."""
    t = raw
    if _CREDIT_ONLY_HINT.match(t) and _CREDIT_ONLY.match(norm(t)):
        return (0, 0)
    start, end = 0, len(t)
    found = False
    m = _CAPTION_PREFIX.match(t)
    if m:
        start, found = m.end(), True
    tail = max(start, len(t) - _CREDIT_REACH)
    c = _CREDIT.search(t, tail) if _credit_hint(t, tail) else None
    if c and len(c.group("credit").split()) <= 10:
        end, found = c.start(), True
    if not found:
        return None
    while end > start and t[end - 1].isspace():
        end -= 1
    while start < end and t[start].isspace():
        start += 1
    return (start, end) if end > start else (0, 0)


_STOP = set(
    """a an the and or but of in on at to for from by with as is are was were be been has have had it its
    this that these those his her their he she they them who which what when where not no than then there
    into over about after before also said says""".split()
)


def content_words(t: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9][a-z0-9'’-]*", t.lower()) if w not in _STOP and len(w) > 1}


_SENT_SPLIT = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")


def sentences(t: str) -> list[str]:
    return [s for s in _SENT_SPLIT.split(norm(t)) if s]
