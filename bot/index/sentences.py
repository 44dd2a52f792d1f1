"""The sentence index: BM25 over every kept sentence, the text to quote, and the sources.

Built from a `Corpus` in memory; saved and loaded by `bot.index.format` as plain arrays and JSON.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from bot import text
from bot.caches import ClearedWhenFull
from bot.corpus.duplicates import sketch_keys
from bot.corpus.types import Article, Corpus, Paragraph, Source
from bot.index.analysis import PARAGRAPH_KINDS, analyze_corpus
from bot.index.bm25 import BM25Index, as_ndarray, count_pairs
from bot.index.paragraphs import ParagraphBM25
from bot.index.records import ArticleRecords
from bot.index.spelling import Speller

logger = logging.getLogger(__name__)

# Sources kept once made (SentenceIndex.source): some thirty are quoted a question.
SOURCES_KEPT = 4096


@dataclass(frozen=True)
class SentenceSpan:
    """One sentence located in its article; offsets are characters of the article's text."""

    sentence: int
    article: int
    paragraph: int
    start: int
    end: int


class ArrayLookups:
    """Look-ups read from the per-sentence and per-paragraph arrays alone (sent_para, sent_start,
    sent_end, para_article, para_first, para_kind) and `texts_between`: one segment's index and
    several segments seen as one (bot.index.combined) lay them out the same way."""

    def span(self, sentence: int) -> SentenceSpan:
        p = int(self.sent_para[sentence])
        return SentenceSpan(sentence, int(self.para_article[p]), p,
                            int(self.sent_start[sentence]), int(self.sent_end[sentence]))

    def paragraph_sentences(self, paragraph: int) -> range:
        return range(int(self.para_first[paragraph]), int(self.para_first[paragraph + 1]))

    def kind(self, paragraph: int) -> str:
        return PARAGRAPH_KINDS[int(self.para_kind[paragraph])]

    def sentence_text(self, sentence: int) -> str:
        return self.text_between(sentence, sentence)

    def sentence_texts(self, sentences: np.ndarray) -> list[str]:
        """Many sentences' texts at once (one look-up of their offsets)."""
        return self.texts_between(sentences, sentences)

    def article_sentences(self, article: int) -> range:
        """The article's sentences (they are numbered consecutively, article by article)."""
        paragraphs = np.flatnonzero(self.para_article == article)
        if not len(paragraphs):
            return range(0)
        return range(int(self.para_first[paragraphs[0]]), int(self.para_first[paragraphs[-1] + 1]))

    def sentences_covering(self, article: int, offsets: Iterable[int]) -> list[int]:
        """The article's sentences that hold one of these character offsets of its text."""
        offsets = list(offsets)
        return [s for s in self.article_sentences(article)
                if any(int(self.sent_start[s]) <= off < int(self.sent_end[s]) for off in offsets)]



class SentenceIndex(ArrayLookups):
    """Everything the answerer needs, as arrays: one row per sentence, per paragraph, per article."""

    # Its own arrays (the BM25 indexes and the speller have theirs), saved one file each.
    ARRAYS = ("sent_para", "sent_start", "sent_end", "sent_byte", "para_article", "para_first", "para_kind",
              "article_byte", "article_para_first", "article_para_span", "article_para_kind",
              "dup_digest", "dup_size", "dup_prefix", "dup_owner")

    def __init__(self, *, sentences: BM25Index, paragraphs: ParagraphBM25, speller: Speller,
                 sent_para: np.ndarray, sent_start: np.ndarray, sent_end: np.ndarray,
                 sent_byte: np.ndarray, para_article: np.ndarray, para_first: np.ndarray,
                 para_kind: np.ndarray, article_byte: np.ndarray, article_para_first: np.ndarray,
                 article_para_span: np.ndarray, article_para_kind: np.ndarray, dup_digest: np.ndarray, dup_size: np.ndarray,
                 dup_prefix: np.ndarray, dup_owner: np.ndarray,
                 blob: bytes | np.ndarray | memoryview, articles: "list[dict] | ArticleRecords", surface_terms: dict[str, str]):
        self.sentences = sentences
        self.paragraphs = paragraphs
        self.speller = speller
        self.sent_para = as_ndarray(sent_para)
        self.sent_start = as_ndarray(sent_start)
        self.sent_end = as_ndarray(sent_end)
        self.sent_byte = as_ndarray(sent_byte)  # (n, 2): byte start/end in the blob
        self.para_article = as_ndarray(para_article)
        self.para_first = as_ndarray(para_first)  # sentences of paragraph p: para_first[p] .. para_first[p+1]
        self.para_kind = as_ndarray(para_kind)
        self.article_byte = as_ndarray(article_byte)  # (n, 2): where each article's text sits in the blob
        # Every paragraph of each article as read (sentences or not), so the article can be had again
        # whole (`article`): article a's are article_para_span[article_para_first[a]:][:n], (start, end)
        # in its text, with their kinds in article_para_kind.
        self.article_para_first = as_ndarray(article_para_first)
        self.article_para_span, self.article_para_kind = as_ndarray(article_para_span), as_ndarray(article_para_kind)
        # What finds copies of a story across segments (bot.corpus.duplicates.sketch_key): per article
        # its digest (16 bytes), its number of shingle hashes, its prefix of them,
        # every article's prefix hashes in one sorted array, dup_owner saying whose each is (sorted once,
        # here: a later segment looks its own up in them).
        self.dup_digest, self.dup_size = as_ndarray(dup_digest), as_ndarray(dup_size)
        self.dup_prefix, self.dup_owner = as_ndarray(dup_prefix), as_ndarray(dup_owner)
        self.blob = as_ndarray(blob) if isinstance(blob, np.ndarray) else blob
        # Text is read through a plain view: slicing a memory-mapped array makes a numpy object per slice
        # (~3 us), and the answerer reads some sixty sentences a question.
        self._text = memoryview(self.blob).cast("B") if len(self.blob) else memoryview(b"")
        self.articles = ArticleRecords.of(articles)  # each article's source, its copies' and its file's key
        self.surface_terms = surface_terms  # folded word as written -> its index term
        text.learn_stems(surface_terms)  # the words it has seen are not stemmed again (nor nltk imported)
        # Sources are made when first asked for: at 400,000 articles making them all took ~3.5 s of a load.
        # Up to SOURCES_KEPT are kept: each full garbage collection walks every one (~2 us each), and a
        # long-running server quoting a big folder would come to hold all of them.
        self._sources: ClearedWhenFull = ClearedWhenFull(SOURCES_KEPT)  # article -> its Source
        self._article_numbers: dict[str, int] | None = None  # file path -> article, made when first asked

    # -- sizes -------------------------------------------------------------------------------------
    @property
    def sentence_count(self) -> int:
        return self.sentences.doc_count

    @property
    def article_count(self) -> int:
        return len(self.articles)

    @property
    def article_slots(self) -> int:
        """How many article numbers there are (bot.index.combined's, dead ones included: more)."""
        return len(self.articles)

    def order_keys(self, sentences: np.ndarray) -> np.ndarray:
        """What orders sentences as a build numbers them (here: their numbers)."""
        return np.asarray(sentences)

    def sentences_in_order(self) -> np.ndarray:
        """Every sentence, in order."""
        return np.arange(self.sentence_count)

    def warm(self) -> None:
        """The search's per-document length norms, made now rather than by the first question."""
        self.sentences._norms()
        self.sentences._norm_by_length()

    def surface_live(self, word: str) -> bool:
        """Whether an article writes this word (bot.index.combined's can have dead ones that did)."""
        return word in self.surface_terms

    # -- lookups used by the answerer --------------------------------------------------------------
    def source(self, article: int) -> Source:
        found = self._sources.get(article)
        if found is None:
            found = self._sources[article] = self.articles.source(self._article_in_range(article))
        return found

    def title(self, article: int) -> str | None:
        """source(article).title without making the Source: the ranker reads the title of each of its
        candidates' articles, and at 400,000 articles most of them are never quoted."""
        return self.articles.columns["title"][self._article_in_range(article)]

    def _article_in_range(self, article: int) -> int:
        """The article number itself, or IndexError (a negative one would index from the end)."""
        if not 0 <= article < len(self.articles):
            raise IndexError(f"no article {article}")
        return article

    def also(self, article: int) -> tuple[Source, ...]:
        return self.articles.also_sources(article)

    def sources(self) -> list[Source]:
        return [self.source(a) for a in range(len(self.articles))]

    def text_between(self, first_sentence: int, last_sentence: int) -> str:
        """The article text from one sentence's start to another's end, exactly as written."""
        lo = int(self.sent_byte[first_sentence, 0])
        hi = int(self.sent_byte[last_sentence, 1])
        return str(self._text[lo:hi], "utf-8")

    def texts_between(self, first_sentences: np.ndarray, last_sentences: np.ndarray) -> list[str]:
        """text_between for many pairs at once."""
        view = self._text
        spans = zip(self.sent_byte[first_sentences, 0].tolist(), self.sent_byte[last_sentences, 1].tolist())
        return [str(view[lo:hi], "utf-8") for lo, hi in spans]

    def article_number(self, path: str) -> int | None:
        """The article stored from this file (a path relative to the corpus folder), or None."""
        if self._article_numbers is None:
            self._article_numbers = {path: a for a, path in enumerate(self.articles.paths)}
        return self._article_numbers.get(path)

    def article_text(self, article: int) -> str:
        lo, hi = (int(x) for x in self.article_byte[article])
        return str(self._text[lo:hi], "utf-8")

    def article(self, article: int) -> Article:
        """The article as it was read (its copies' sources left out: `also` is worked out by the index)."""
        lo, hi = int(self.article_para_first[article]), int(self.article_para_first[article + 1])
        paragraphs = tuple(Paragraph(start, end, PARAGRAPH_KINDS[kind]) for (start, end), kind
                           in zip(self.article_para_span[lo:hi].tolist(), self.article_para_kind[lo:hi].tolist()))
        return Article(self.article_text(article), paragraphs, self.source(article))

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.ARRAYS}

    # -- building ----------------------------------------------------------------------------------
    @classmethod
    def build(cls, corpus: Corpus, progress: Callable[[int], None] | None = None,
              spelling: bool = True) -> "SentenceIndex":
        """Split, analyze and index every kept paragraph of every article.  `spelling=False`: an empty
        typo corrector (a build's batch: the merged segment makes the corrector of all of them)."""
        started = time.perf_counter()
        done = analyze_corpus(corpus.articles, progress)
        logger.info("split and analysed %d sentences in %.1f s", len(done.sent_start), time.perf_counter() - started)
        encoded = [article.text.encode("utf-8") for article in corpus.articles]
        sizes = np.asarray([len(e) for e in encoded], dtype=np.int64)
        article_start = np.concatenate(([0], np.cumsum(sizes)))[:-1].astype(np.int64)
        sent_article = np.repeat(done.para_article, np.diff(done.para_first))
        sent_para = np.repeat(np.arange(len(done.para_article), dtype=np.int32), np.diff(done.para_first))
        para_len = np.add.reduceat(done.sent_len, done.para_first[:-1]) if len(done.para_article) else done.sent_len[:0]
        post_terms, post_docs, post_tf = count_pairs(done.token_ids, done.sent_len)
        sentences = BM25Index.from_counts(done.terms, post_terms, post_docs, post_tf, done.sent_len)
        para_first = _narrow(done.para_first)
        paragraphs = ParagraphBM25.from_counts(sentences, para_first, post_terms, sent_para[post_docs], para_len)
        del post_terms, post_docs, post_tf
        surface_terms = done.surfaces
        surface_counts = _surface_counts(surface_terms, sentences) if spelling else {}
        spans = [p for article in corpus.articles for p in article.paragraphs]
        span_counts = [len(article.paragraphs) for article in corpus.articles]
        keys = sketch_keys(corpus.articles, parallel=len(corpus.articles) > 200)
        return cls(
            sentences=sentences,
            paragraphs=paragraphs,
            speller=Speller.build(surface_counts),
            sent_para=sent_para,
            sent_start=_narrow(done.sent_start),
            sent_end=_narrow(done.sent_end),
            sent_byte=_narrow(done.sent_byte + article_start[sent_article][:, None]),
            para_article=done.para_article,
            para_first=para_first,
            para_kind=done.para_kind,
            article_byte=np.stack([article_start, article_start + sizes], axis=1) if len(sizes) else np.zeros((0, 2), np.int64),
            article_para_first=np.concatenate(([0], np.cumsum(span_counts))).astype(np.int64),
            article_para_span=_narrow(np.asarray([(p.start, p.end) for p in spans], dtype=np.int64).reshape(-1, 2)),
            article_para_kind=np.asarray([PARAGRAPH_KINDS.index(p.kind) if p.kind in PARAGRAPH_KINDS
                                  else PARAGRAPH_KINDS.index("body") for p in spans], dtype=np.uint8),
            dup_digest=np.frombuffer(b"".join(d for d, _, _ in keys), dtype=np.uint8).reshape(-1, 16).copy(),
            dup_size=np.asarray([n for _, _, n in keys], dtype=np.int64),
            **_sorted_prefixes(keys),
            blob=b"".join(encoded),
            articles=[_article_record(article, corpus.keys.get(article.source.path)) for article in corpus.articles],
            surface_terms=surface_terms,
        )


def _sorted_prefixes(keys: list) -> dict[str, np.ndarray]:
    """dup_prefix and dup_owner (see SentenceIndex) of the articles' sketch keys."""
    # The top 32 bits of each hash: equal hashes stay equal, so no pair is lost, and the few more that
    # meet by chance are checked like the others (half the bytes of the whole hashes).
    prefixes = (np.concatenate([p for _, p, _ in keys]) >> np.uint64(32)).astype(np.uint32) if keys \
        else np.zeros(0, dtype=np.uint32)
    # (article numbers in 16 bits where they fit: 4 MB less at a million sentences)
    owner = np.repeat(np.arange(len(keys), dtype=np.uint16 if len(keys) < 2**16 else np.int32),
                      [len(p) for _, p, _ in keys])
    order = np.argsort(prefixes, kind="stable")
    return {"dup_prefix": prefixes[order], "dup_owner": owner[order]}


def _narrow(values: np.ndarray) -> np.ndarray:
    """Offsets and counts as int32 when they fit (half the bytes of int64, still signed for arithmetic)."""
    if not len(values) or int(values.max()) < 2**31:
        return values.astype(np.int32)
    return values


def _article_record(article: Article, key: str | None = None) -> dict:
    record = {"source": vars(article.source).copy(), "also": [vars(s).copy() for s in article.also]}
    if key is not None:
        record["key"] = key  # its file's content key (Corpus.keys)
    return record


def _surface_counts(surfaces: dict[str, str], sentences: BM25Index) -> dict[str, int]:
    """How common each word as written is, by its term's document frequency (for typo correction)."""
    return {surface: sentences.df(term) for surface, term in surfaces.items()}
