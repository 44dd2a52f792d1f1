"""The sentence index: BM25 over every kept sentence, the text to quote, and the sources.

Built from a `Corpus` in memory; saved and loaded by `bot.store` as plain arrays and JSON.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from bot import text
from bot.bm25 import BM25Index
from bot.corpus import Article, Corpus, Source
from bot.spelling import Speller

logger = logging.getLogger(__name__)

KINDS = ("title", "deck", "body", "caption")


@dataclass(frozen=True)
class SentenceSpan:
    """One sentence located in its article; offsets are characters of the article's text."""

    sentence: int
    article: int
    paragraph: int
    start: int
    end: int


class SentenceIndex:
    """Everything the answerer needs, as arrays: one row per sentence, per paragraph, per article."""

    def __init__(self, *, sentences: BM25Index, paragraphs: BM25Index, speller: Speller,
                 sent_para: np.ndarray, sent_start: np.ndarray, sent_end: np.ndarray,
                 sent_byte: np.ndarray, para_article: np.ndarray, para_first: np.ndarray,
                 para_kind: np.ndarray, article_byte: np.ndarray, blob: bytes | np.ndarray | memoryview,
                 articles: list[dict], surface_terms: dict[str, str]):
        self.sentences = sentences
        self.paragraphs = paragraphs
        self.speller = speller
        self.sent_para = sent_para
        self.sent_start = sent_start
        self.sent_end = sent_end
        self.sent_byte = sent_byte  # (n, 2): byte start/end in the blob
        self.para_article = para_article
        self.para_first = para_first  # sentences of paragraph p: para_first[p] .. para_first[p+1]
        self.para_kind = para_kind
        self.article_byte = article_byte  # (n, 2): where each article's text sits in the blob
        self.blob = blob
        self.articles = articles  # [{"source": {...}, "also": [{...}, ...]}]
        self.surface_terms = surface_terms  # folded word as written -> its index term
        self._sources = [Source(**a["source"]) for a in articles]
        self._also = [tuple(Source(**s) for s in a.get("also", ())) for a in articles]

    # -- sizes -------------------------------------------------------------------------------------
    @property
    def sentence_count(self) -> int:
        return self.sentences.doc_count

    @property
    def article_count(self) -> int:
        return len(self.articles)

    # -- lookups used by the answerer --------------------------------------------------------------
    def span(self, sentence: int) -> SentenceSpan:
        p = int(self.sent_para[sentence])
        return SentenceSpan(sentence, int(self.para_article[p]), p,
                            int(self.sent_start[sentence]), int(self.sent_end[sentence]))

    def paragraph_sentences(self, paragraph: int) -> range:
        return range(int(self.para_first[paragraph]), int(self.para_first[paragraph + 1]))

    def kind(self, paragraph: int) -> str:
        return KINDS[int(self.para_kind[paragraph])]

    def source(self, article: int) -> Source:
        return self._sources[article]

    def also(self, article: int) -> tuple[Source, ...]:
        return self._also[article]

    def sources(self) -> list[Source]:
        return list(self._sources)

    def text_between(self, first_sentence: int, last_sentence: int) -> str:
        """The article text from one sentence's start to another's end, exactly as written."""
        lo = int(self.sent_byte[first_sentence, 0])
        hi = int(self.sent_byte[last_sentence, 1])
        return bytes(self.blob[lo:hi]).decode("utf-8")

    def sentence_text(self, sentence: int) -> str:
        return self.text_between(sentence, sentence)

    def article_text(self, article: int) -> str:
        lo, hi = (int(x) for x in self.article_byte[article])
        return bytes(self.blob[lo:hi]).decode("utf-8")

    # -- building ----------------------------------------------------------------------------------
    @classmethod
    def build(cls, corpus: Corpus, progress: Callable[[int], None] | None = None) -> "SentenceIndex":
        """Split, analyse and index every kept paragraph of every article."""
        sent_terms: list[list[str]] = []
        para_terms: list[list[str]] = []
        sent_para: list[int] = []
        sent_start: list[int] = []
        sent_end: list[int] = []
        sent_byte: list[int] = []
        para_article: list[int] = []
        para_first: list[int] = []
        para_kind: list[int] = []
        article_byte: list[int] = []
        blob_parts: list[bytes] = []
        blob_size = 0
        raw_tokens: Counter[str] = Counter()
        for a, article in enumerate(corpus.articles):
            encoded = article.text.encode("utf-8")
            to_byte = _byte_offsets(article.text)
            article_byte.extend((blob_size, blob_size + len(encoded)))
            for paragraph in article.paragraphs:
                spans = text.split_sentences(article.text, paragraph.start, paragraph.end)
                if not spans:
                    continue
                p = len(para_article)
                para_article.append(a)
                para_first.append(len(sent_para))
                para_kind.append(KINDS.index(paragraph.kind) if paragraph.kind in KINDS else KINDS.index("body"))
                bag: list[str] = []
                for start, end in spans:
                    sentence = article.text[start:end]
                    tokens = text.TOKEN_RE.findall(text.fold(sentence))
                    raw_tokens.update(tokens)
                    terms = text.terms_of_tokens(tokens)
                    sent_terms.append(terms)
                    bag.extend(terms)
                    sent_para.append(p)
                    sent_start.append(start)
                    sent_end.append(end)
                    sent_byte.extend((blob_size + to_byte(start), blob_size + to_byte(end)))
                para_terms.append(bag)
            blob_parts.append(encoded)
            blob_size += len(encoded)
            if progress:
                progress(a + 1)
        para_first.append(len(sent_para))
        surface_terms, surface_counts = _surfaces(raw_tokens)
        return cls(
            sentences=BM25Index.build(sent_terms),
            paragraphs=BM25Index.build(para_terms),
            speller=Speller.build(surface_counts),
            sent_para=np.asarray(sent_para, dtype=np.int32),
            sent_start=np.asarray(sent_start, dtype=np.int64),
            sent_end=np.asarray(sent_end, dtype=np.int64),
            sent_byte=np.asarray(sent_byte, dtype=np.int64).reshape(-1, 2),
            para_article=np.asarray(para_article, dtype=np.int32),
            para_first=np.asarray(para_first, dtype=np.int64),
            para_kind=np.asarray(para_kind, dtype=np.uint8),
            article_byte=np.asarray(article_byte, dtype=np.int64).reshape(-1, 2),
            blob=b"".join(blob_parts),
            articles=[_article_record(article) for article in corpus.articles],
            surface_terms=surface_terms,
        )


def _article_record(article: Article) -> dict:
    return {"source": vars(article.source).copy(), "also": [vars(s).copy() for s in article.also]}


def _surfaces(raw_tokens: Counter[str]) -> tuple[dict[str, str], dict[str, int]]:
    """Each indexed word as written (folded) -> its term, and how often it occurs (for typos)."""
    terms: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for token, n in raw_tokens.items():
        for word in text.words_of_token(token):
            terms.setdefault(word.surface, word.term)
            counts[word.surface] += n
    return terms, dict(counts)


def _byte_offsets(s: str) -> Callable[[int], int]:
    """Character offset -> UTF-8 byte offset, without re-encoding the prefix every time."""
    if s.isascii():
        return lambda i: i
    cumulative = np.concatenate(([0], np.cumsum([len(ch.encode("utf-8")) for ch in s])))
    return lambda i: int(cumulative[i])


def iter_sentence_terms(index: SentenceIndex) -> Iterable[list[str]]:
    """Each sentence's token list again, from its text (for baselines and checks)."""
    for s in range(index.sentence_count):
        yield text.terms(index.sentence_text(s))
