"""Sentences and terms: the only module that imports nltk, and it needs no nltk data download."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _nltk():
    """nltk's Snowball stemmer and Punkt classes, imported when first needed: a question whose words the
    index has all seen needs neither (see `learn_stems`), and importing nltk costs ~0.4 s of a one-question
    `ask`.  Importing any part of nltk runs its __init__, which
    imports all of nltk and, when installed, scipy for parts we never call (fisher_exact, betai, an SVM
    parser), over a second of every start-up; scipy is held back meanwhile (nltk takes the ImportError
    as scipy missing), unless something had already imported it."""
    hold = "scipy" not in sys.modules
    if hold:
        sys.modules["scipy"] = None  # type: ignore[assignment]  # "import scipy" raises ImportError
    try:
        from nltk.stem.snowball import SnowballStemmer
        from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
    finally:
        if hold and sys.modules.get("scipy", 0) is None:
            del sys.modules["scipy"]  # a later import of scipy loads it as usual
    return SnowballStemmer, PunktParameters, PunktSentenceTokenizer



# Punkt's English model is an nltk data package we may not download, so the project carries the
# abbreviations that matter in news text.  Single letters cover initials ("J. Smith", "U.S.").
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sen rep gov gen col lt sgt capt cmdr adm maj st jr sr rev hon pres supt insp
    inc corp co ltd llc plc bros dept univ assn est approx vs etc al cf ca fig vol pp ed eds
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri sat sun
    no nos op art sec ch ave blvd rd mt ft hwy
    u.s u.n u.k e.u e.g i.e a.m p.m d.c u.s.a n.y l.a
    """.split()
) | frozenset("abcdefghijklmnopqrstuvwxyz")

# Longest sentence we index: text with no sentence punctuation (a 50 MB one-liner) is cut into
# chunks at whitespace so every piece stays quotable and no single "sentence" swamps a passage.
MAX_SENTENCE_CHARS = 1000


@lru_cache(maxsize=1)
def punkt_splitter() -> "PunktSentenceTokenizer":  # noqa: F821 (nltk's, imported when first needed)
    """nltk's Punkt with the project's own abbreviation list (no nltk data download)."""
    _, PunktParameters, PunktSentenceTokenizer = _nltk()
    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (absolute offsets into `text`) within text[start:end], whitespace trimmed."""
    end = len(text) if end is None else end
    chunk = text[start:end]
    plain = direct_boundaries(chunk)
    pieces = plain if plain is not None else punkt_splitter().span_tokenize(chunk)
    spans: list[tuple[int, int]] = []
    for a, b in pieces:
        if a < b <= a + MAX_SENTENCE_CHARS:  # (most sentences: what _cap_length gives them, without the call)
            spans.append((start + a, start + b))
        else:
            spans.extend((start + x, start + y) for x, y in _cap_length(chunk, a, b))
    return spans


_END = re.compile(r"[.?!]")
_PLAIN_WORD_BEFORE = re.compile(r"(?<![^\s])[A-Za-z0-9]*[a-z0-9]$")


def _plain_word_start(chunk: str, begin: int, i: int) -> int | None:
    """Where the plain word or number that ends at i starts (_PLAIN_WORD_BEFORE's match ending there),
    or None.  `begin` starts a sentence: it is 0 or follows a space."""
    # Mostly the text since the last space is the word: tested as one piece, where the regex, which
    # has no first character to skip to, would try every position of the sentence.
    first = max(begin, chunk.rfind(" ", begin, i) + 1)
    word = chunk[first:i]
    if word.isascii() and word.isalnum():
        return first if word[-1].islower() or word[-1].isdigit() else None
    found = _PLAIN_WORD_BEFORE.search(chunk, begin, i)
    return found.start() if found is not None and found.end() == i else None


def direct_boundaries(chunk: str) -> list[tuple[int, int]] | None:
    """Punkt's answer, computed directly, for the common easy case; None when Punkt must decide.

    Easy means every '.', '?' or '!' is inside a word or number (3.5, U.S, not a candidate for Punkt
    either), ends the text, or is followed by one space and a capital or digit, after a plain word
    or number of two or more characters that is no abbreviation.  Punkt (with our parameters: no
    collocations, no orthographic statistics) marks each such mark a sentence break and nothing
    else, so the result is identical (tests/test_text.py checks this against Punkt) at a fraction of
    the cost: splitting is most of the time of indexing a big corpus.
    """
    if not chunk or chunk[0].isspace() or chunk[-1].isspace():
        return None
    spans: list[tuple[int, int]] = []
    begin = 0
    n = len(chunk)
    for m in _END.finditer(chunk):
        i = m.start()
        if i + 1 == n:
            break
        following = chunk[i + 1]
        if following.isascii() and following.isalnum():
            continue
        if i + 2 >= n or following != " " or not (chunk[i + 2].isascii() and (chunk[i + 2].isupper() or chunk[i + 2].isdigit())):
            return None
        first = _plain_word_start(chunk, begin, i)
        if first is None or chunk[i] == "." and chunk[first:i].lower() in ABBREVIATIONS:
            return None
        if i - first < 2:
            return None
        spans.append((begin, i + 1))
        begin = i + 2
    spans.append((begin, n))
    return spans


def _cap_length(text: str, a: int, b: int) -> list[tuple[int, int]]:
    pieces = []
    while b - a > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", a + 1, a + MAX_SENTENCE_CHARS)
        if cut <= a:
            cut = a + MAX_SENTENCE_CHARS
        pieces.append((a, cut))
        a = cut
        while a < b and text[a].isspace():
            a += 1
    if a < b:
        pieces.append((a, b))
    return pieces


def _load_stopwords() -> frozenset[str]:
    raw = resources.files("bot").joinpath("data/stopwords_en.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#"))


STOPWORDS = _load_stopwords()
# Words that say what kind of answer is wanted, never what it is about.
QUESTION_WORDS = frozenset({"who", "whom", "whose", "what", "when", "where", "why", "how", "which", "many", "much"})

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "`": "'",
                         "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-"})

# Alternatives in order: dotted acronyms (u.s.), numbers (2014, 1,000, 3.5, 27-28), words with
# inner apostrophes and hyphens (kim's, song-thaek).
TOKEN_RE = re.compile(
    r"(?:[^\W\d_]\.){2,}"
    r"|\d+(?:[.,:]\d+)*(?:-\d+(?:[.,:]\d+)*)*"
    r"|[^\W_]+(?:'[^\W_]+)*(?:-[^\W_]+(?:'[^\W_]+)*)*"
)

@lru_cache(maxsize=1)
def _stemmer():
    return _nltk()[0]("english")


# Stems already known: an index's surface word -> term map, whose purely alphabetic words map to
# exactly their Snowball stems (words_of_token made them so), consulted before the stemmer.
_known_stems: Mapping[str, str] = {}


def learn_stems(surface_terms: Mapping[str, str]) -> None:
    """Let stemming look words up in an index's surface map first (a cache of a pure function: any
    index's map is right for every other)."""
    global _known_stems
    _known_stems = surface_terms


def fold(text: str) -> str:
    """Case and Unicode folding: accents dropped, curly quotes and dashes made plain."""
    if text.isascii():
        return text.lower()
    text = text.translate(_QUOTES)
    return unicodedata.normalize("NFKD", text).translate(_NO_MARKS).casefold()


class _CombiningMarks(dict):
    """str.translate table dropping combining marks, filled as characters are met (a table of every
    code point would cost a second at import)."""

    def __missing__(self, code: int) -> int | None:
        keep = None if unicodedata.combining(chr(code)) else code
        self[code] = keep
        return keep


_NO_MARKS = _CombiningMarks()


def normalized(text: str) -> str:
    """Folded, whitespace collapsed: two texts equal under it read the same to a person."""
    return " ".join(fold(text).split())


@dataclass(frozen=True)
class Word:
    """A word as written (folded) and the index term it becomes."""

    surface: str
    term: str
    display: str = ""  # as the user wrote it (case kept), for "searched for" lines


@lru_cache(maxsize=1_000_000)
def _stem(word: str) -> str:
    known = _known_stems.get(word) if word.isalpha() else None
    return known if known is not None else _stemmer().stem(word)


@lru_cache(maxsize=1_000_000)
def words_of_token(token: str) -> tuple[Word, ...]:
    """One raw token -> its index words; cached because stemming is the hot spot of indexing."""
    if token[0].isdigit():
        number = re.sub(r"(?<=\d),(?=\d{3}\b)", "", token)
        parts = number.split("-")
        words = [Word(number, number)]
        if len(parts) > 1:
            words.extend(Word(p, p) for p in parts if p)
        return tuple(words)
    if "." in token:  # dotted acronym: u.s. -> us, kept even where "us" would be a stopword
        letters = token.replace(".", "")
        return (Word(token.rstrip("."), letters),)
    if token.endswith("'s"):
        token = token[:-2]
    token = token.strip("'")
    if not token or token in STOPWORDS:
        return ()
    parts = [p for p in token.split("-") if p]
    if len(parts) == 1:
        return (Word(token, _stem(token)),)
    stems = [_stem(p) for p in parts]
    words = [Word(token, "-".join(stems))]
    words.extend(Word(p, s) for p, s in zip(parts, stems) if p not in STOPWORDS)
    return tuple(words)


def compound_terms(surface: str) -> list[str]:
    """The terms a word has when written the other way: "hardliners" as "hard-liners" (each split
    into two words of three letters or more), "e-mail" as "email".  A question's word the index does
    not hold is looked up as these before it is taken for a typo."""
    if "-" in surface:
        joined = surface.replace("-", "")
        return [_stem(joined)] if joined.isalpha() else []
    if not surface.isalpha() or len(surface) < 6:
        return []
    return ["-".join((_stem(surface[:i]), _stem(surface[i:]))) for i in range(3, len(surface) - 2)]


def known_term(folded: str, known: Mapping[str, str] | None) -> str | None:
    """The term of a folded token from `known`, an index's surface word -> term map, so words the index
    has seen are not stemmed again; None when the map cannot say (a hyphenated token also stands for
    its parts, which the map does not list)."""
    return known.get(folded) if known is not None and "-" not in folded else None


def words(text: str, known: Mapping[str, str] | None = None) -> list[Word]:
    """Index words of a text, in order (hyphenated names give the whole and each part); `known` as in
    known_term."""
    return [Word(surface, term) for term, surface in zip(*terms_and_surfaces(text, known))]


def terms_and_surfaces(text: str, known: Mapping[str, str] | None = None) -> tuple[list[str], list[str]]:
    """`words` as two lists, the terms and the words as written, without a Word object for each: the
    answerer reads some sixty sentences a question, and making the objects was most of that time.

    A token never spans white space, so the text's tokens are its space-separated pieces' tokens end to
    end, and each distinct piece ("report,", "Kim's") is tokenised once: the regular expression costs
    ~1 us a token, a look-up of the piece a tenth of that."""
    cache = PIECE_WORDS
    terms: list[str] = []
    surfaces: list[str] = []
    for piece in fold(text).split():
        found = cache.get(piece)
        if found is None:
            found = piece_words(piece, known)
        terms += found[0]
        surfaces += found[1]
    return terms, surfaces


def piece_words(piece: str, known: Mapping[str, str] | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The terms and surfaces of one folded piece of text between spaces, kept in PIECE_WORDS (where a
    caller reading many texts, like the ranker's compiled word match, looks first)."""
    found = PIECE_WORDS.get(piece)
    if found is None:
        if len(PIECE_WORDS) >= PIECE_CACHE_SIZE:
            PIECE_WORDS.clear()
        found = PIECE_WORDS[piece] = _piece_words(piece, known)
    return found


def _piece_words(piece: str, known: Mapping[str, str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The terms and surfaces of one folded piece of text between spaces.  The same whichever index's
    surface map `known` is, or none: the map only spares stemming the words it lists (learn_stems)."""
    terms: list[str] = []
    surfaces: list[str] = []
    get = known.get if known is not None else None
    # (a piece of letters only is one token: the expression's dotted and numeric forms need other signs)
    for token in [piece] if piece.isalpha() else TOKEN_RE.findall(piece):
        term = get(token) if get is not None and "-" not in token else None  # known_term, inlined
        if term is not None:
            terms.append(term)
            surfaces.append(token)
        else:
            for w in words_of_token(token):
                terms.append(w.term)
                surfaces.append(w.surface)
    return tuple(terms), tuple(surfaces)


# Pieces of text and their words (piece_words); cleared when full (~200 bytes a piece).
PIECE_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
PIECE_CACHE_SIZE = 100_000


@lru_cache(maxsize=200_000)
def terms_of_token(token: str) -> frozenset[str]:
    """The index terms one raw token (as written) stands for; cached for quoting, where the same
    words come back question after question."""
    return frozenset(terms_of_tokens([fold(token)]))


def terms(text: str) -> list[str]:
    """The token list BM25 sees for a text."""
    return terms_of_tokens(TOKEN_RE.findall(fold(text)))


_TERMS_OF_TOKEN: dict[str, tuple[str, ...]] = {}


def terms_of_tokens(tokens: list[str]) -> list[str]:
    # The hot loop of indexing: one dict lookup per token, the analysis done once per distinct token.
    cache = _TERMS_OF_TOKEN
    out: list[str] = []
    for token in tokens:
        found = cache.get(token)
        if found is None:
            if len(cache) > 2_000_000:
                cache.clear()
            found = cache[token] = tuple(w.term for w in words_of_token(token))
        out += found
    return out


# How people open a request for what the articles say about something ("Tell me about sanctions",
# "What do we know about Kim's plans?", "Can you explain the purge"): the frame is no part of the
# topic, and "tell" or "know" must not be matched, or spelled into a word the articles hold.
_REQUEST_FRAME = re.compile(
    r"^\W*(?:(?:can|could|would|will)\s+you\s+|please\s+)?(?:"
    r"tell\s+(?:me|us)(?:\s+(?:more|something|everything|anything))?(?:\s+(?:about|on|of|regarding))?"
    r"|what\s+(?:do|does|did|can)\s+(?:we|you|i|they|the\s+articles?|the\s+reports?)\s+(?:know|say|said|tell\s+us)(?:\s+(?:about|on|of|regarding))?"
    r"|(?:give|show)\s+me(?:\s+(?:more|something|anything|everything))?(?:\s+(?:about|on|regarding))?"
    r"|(?:explain|describe|summari[sz]e)"
    r"|(?:is\s+there\s+)?(?:(?:any(?:thing)?\s+)?(?:news|more|new|updates?)|any(?:thing)?)\s+(?:on|about|regarding)"
    r"|what\s+about|how\s+about)\b",
    re.IGNORECASE,
)


def request_topic(question: str) -> str:
    """The question without a request frame in front ("Tell me about X" -> "X"); as it is otherwise."""
    folded = fold(question)  # "ＴＥＬＬ me" is "tell me"; matched folded while folding keeps the offsets
    m = _REQUEST_FRAME.match(folded if len(folded) == len(question) else question)
    if not m or not question[m.end():].strip(" ?.!\t\n"):
        return question
    return " " * m.end() + question[m.end():]  # (blanked, not cut: offsets into the question stay)


# A question proper opens with a question word or an auxiliary verb ("Is Kim worried ...?"); a few
# words without one ("Sanctions?", "Kim Jong Un's sister") name a topic.
_QUESTION_OPENING = re.compile(
    r"^\W*(?:who|whom|whose|what|when|where|why|how|which|is|are|was|were|do|does|did|can|could|will|would|"
    r"shall|should|has|have|had|may|might|must)\b", re.IGNORECASE)
TOPIC_MAX_WORDS = 5


def is_topic_request(question: str) -> bool:
    """Whether the question asks what the articles say about something rather than for a fact:
    "Tell me about X", "What do we know about X?", or a few words naming X and nothing else."""
    if request_topic(question) != question:
        return True
    words = TOKEN_RE.findall(fold(question))
    return 0 < len(words) <= TOPIC_MAX_WORDS and _QUESTION_OPENING.match(question) is None


def query_words(question: str) -> list[Word]:
    """Index words of a question, question words and a request frame dropped: they never decide a match."""
    question = request_topic(question)
    folded = fold(question)
    aligned = len(folded) == len(question)  # folding kept every offset, so case can be recovered
    out: list[Word] = []
    for m in TOKEN_RE.finditer(folded):
        original = question[m.start():m.end()] if aligned else m.group(0)
        for w in words_of_token(m.group(0)):
            if w.surface in QUESTION_WORDS:
                continue
            at = original.lower().find(w.surface)
            display = original[at:at + len(w.surface)] if at >= 0 else w.surface
            out.append(Word(w.surface, w.term, display))
    return out


def plain_terms(text: str) -> list[str]:
    """Baseline tokens: lowercase `\\w+` words, no stemming, no stopwords (the plain-BM25 yardstick,
    as the news issue pins it down: Punkt sentences of the kept text, BM25Okapi, ties by sentence order)."""
    return re.findall(r"\w+", text.lower())
