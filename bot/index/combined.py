"""Several segments seen as one index: what the answerer reads when articles came in more than once.

An index grows by segments (bot.index.segments): each is a complete `SentenceIndex` of the files it
was written from, sorted by path, never changed afterwards.  A file deleted or edited since is
*removed* from its segment (its sentences stay on disk until a merge); a copy of a story kept in
another file is *folded* into the first file of that story, by the rule of
bot.corpus.duplicates.merge_duplicates, worked out here over every segment's articles at once.
Removed and folded articles are dead: they are in no result and in no statistic.

`CombinedIndex` gives the answerer the interface of one `SentenceIndex`:
- Sentences, paragraphs and articles are numbered segment after segment ("slots"; dead ones keep
  their numbers), so a paragraph's or article's sentences stay consecutive and the per-sentence
  arrays are the segments' own laid end to end.
- Statistics are the live collection's: the number of live sentences and their average length,
  each term's live document frequency, rank_bm25's epsilon floor over the live vocabulary; the same
  for paragraphs, and the typo corrector's counts.  Every score is the one a fresh build of the same
  folder gives.
- Ties are broken by (file path, place in the file), as a fresh build's sentence numbers break them
  (`order_keys`), never by which segment a file arrived in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

import numpy as np

from bot import text
from bot.corpus.duplicates import fold_targets
from bot.corpus.types import Article, Source
from bot.index.bm25 import BM25Index, find, ranges, runs_of
from bot.index.paragraphs import ParagraphBM25
from bot.index.sentences import ArrayLookups, SentenceIndex
from bot.index.spelling import Speller

# A segment's search asks for this many more than k at first, for the dead documents among its best.
DEAD_SLACK = 32
# Copy-finding looks up this many of a segment's prefix hashes at a time, out of runs of articles
# holding about SIMILAR_RUN of them.
SIMILAR_CHUNK = 1 << 18
SIMILAR_RUN = 1 << 22


@dataclass(frozen=True)
class Part:
    """One segment as the combined index uses it: its index and which of its articles are removed."""

    name: str
    index: SentenceIndex
    removed: frozenset[int] = frozenset()  # its article numbers deleted or replaced since it was written


# Up to this many dead sentences in a segment, their terms are read again from their text (the same
# analysis that indexed them) to count what they took from each term; past it, the postings are scanned.
DEAD_BY_TEXT = 2000


def dead_counts(seg: SentenceIndex, dead_docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per term of a segment: in how many of its dead sentences, and in how many of its dead
    paragraphs, it occurs."""
    n_terms = len(seg.sentences.terms)
    dead = np.flatnonzero(dead_docs)
    if not len(dead):
        return np.zeros(n_terms, dtype=np.int64), np.zeros(n_terms, dtype=np.int64)
    if len(dead) <= DEAD_BY_TEXT:
        vocab, known = seg.sentences.vocab, seg.surface_terms
        term_of: list[int] = []
        sentence_of: list[int] = []
        for s, sentence in zip(dead.tolist(), seg.sentence_texts(dead)):
            tids = {vocab[t] for t in text.terms_and_surfaces(sentence, known)[0] if t in vocab}
            term_of += tids
            sentence_of += [s] * len(tids)
        terms = np.asarray(term_of, dtype=np.int64)
        docs = np.asarray(sentence_of, dtype=np.int64)
    else:
        at = np.flatnonzero(dead_docs[seg.sentences.doc_ids])
        terms = np.searchsorted(seg.sentences.indptr, at, side="right") - 1
        docs = np.asarray(seg.sentences.doc_ids[at], dtype=np.int64)
    paragraphs = np.asarray(seg.sent_para)[docs].astype(np.int64)
    pairs = np.unique(terms * (len(seg.para_article) + 1) + paragraphs)
    return (np.bincount(terms, minlength=n_terms),
            np.bincount(pairs // (len(seg.para_article) + 1), minlength=n_terms))


def writes_word(seg: SentenceIndex, dead_docs: np.ndarray | None, word: str, term: str) -> bool:
    """Whether a live sentence of the segment writes this word (folded) as one of its words (the
    sentences holding its term are read until one does; `dead_docs` None: none is dead)."""
    if word not in seg.surface_terms:
        return False
    if dead_docs is None:
        return True
    docs, _ = seg.sentences.postings(term)
    docs = docs[~dead_docs[docs]]
    for start in range(0, len(docs), 64):
        texts = seg.sentence_texts(docs[start:start + 64])
        if any(word in text.terms_and_surfaces(t, seg.surface_terms)[1] for t in texts):
            return True
    return False


class CombinedIndex(ArrayLookups):
    """The live articles of several segments, answered from as one index (see the module's text)."""

    def __init__(self, parts: Sequence[Part], similar: dict[tuple[str, int], Iterable[tuple[str, int]]]):
        """`similar`: per (segment name, article) the articles of the same story (any order, either way round)."""
        self.parts = list(parts)
        self.similar = {key: list(others) for key, others in similar.items()}  # kept for the next update
        segs = [p.index for p in self.parts]
        self._sentence_base = np.concatenate(([0], np.cumsum([s.sentences.doc_count for s in segs]))).astype(np.int64)
        self._para_base = np.concatenate(([0], np.cumsum([len(s.para_article) for s in segs]))).astype(np.int64)
        self._article_base = np.concatenate(([0], np.cumsum([len(s.articles) for s in segs]))).astype(np.int64)
        self._fold(similar)
        self._lay_out(segs)
        self._count(segs)
        self.sentences = CombinedBM25(self)
        self.paragraphs = CombinedParagraphs(self)
        self.speller = CombinedSpeller(self)
        self._article_numbers: dict[str, int] | None = None
        self._surface_live: dict[str, bool] = {}

    # -- which articles are live, and their copies ---------------------------------------------------
    def _fold(self, similar: dict[tuple[str, int], Iterable[tuple[str, int]]]) -> None:
        slots: list[tuple[str, int, int]] = []  # (path, part, article) of every article not removed
        for k, part in enumerate(self.parts):
            for a, path in enumerate(part.index.articles.paths):
                if a not in part.removed:
                    slots.append((path, k, a))
        slots.sort()
        rank = {(self.parts[k].name, a): r for r, (_, k, a) in enumerate(slots)}
        earlier: dict[int, list[int]] = {}
        for key, others in similar.items():
            j = rank.get(key)
            if j is None:
                continue
            for other in others:
                i = rank.get(tuple(other))
                if i is not None and i != j:
                    lo, hi = min(i, j), max(i, j)
                    earlier.setdefault(hi, []).append(lo)
        digests = [bytes(self.parts[k].index.dup_digest[a]) for _, k, a in slots]
        target = fold_targets(digests, earlier)
        n_slots = int(self._article_base[-1])
        self.live_article = np.zeros(n_slots, dtype=bool)
        self._also: dict[int, tuple[Source, ...]] = {}
        self._order: list[int] = []  # live article slots in path order
        slot_of = [int(self._article_base[k]) + a for _, k, a in slots]
        for r, t in enumerate(target):
            if t == r:
                self.live_article[slot_of[r]] = True
                self._order.append(slot_of[r])
            else:
                keeper = slot_of[t]
                self._also[keeper] = self._also.get(keeper, ()) + (self.source(slot_of[r]),)
        # the path order of each live article's slot: what breaks ties between sentences
        self.article_rank = np.full(n_slots, -1, dtype=np.int64)
        self.article_rank[self._order] = np.arange(len(self._order), dtype=np.int64)

    # -- the segments' arrays end to end -------------------------------------------------------------
    def _lay_out(self, segs: list[SentenceIndex]) -> None:
        sb, pb, ab = self._sentence_base, self._para_base, self._article_base

        def cat(name: str, base: np.ndarray | None = None, dtype=None) -> np.ndarray:
            arrays = [np.asarray(getattr(s, name)) for s in segs]
            if base is not None:
                arrays = [a.astype(np.int64) + base[k] for k, a in enumerate(arrays)]
            out = np.concatenate(arrays) if arrays else np.zeros(0)
            return out.astype(dtype) if dtype is not None else out

        self.sent_para = cat("sent_para", pb)
        self.sent_start, self.sent_end = cat("sent_start"), cat("sent_end")
        self.para_article = cat("para_article", ab)
        self.para_kind = cat("para_kind")
        self.para_first = np.concatenate([np.asarray(s.para_first[:-1], dtype=np.int64) + sb[k]
                                          for k, s in enumerate(segs)] + [sb[-1:]])
        self.live_sentence = self.live_article[self.para_article[self.sent_para]] if len(self.sent_para) else np.zeros(0, bool)
        self.live_paragraph = self.live_article[self.para_article] if len(self.para_article) else np.zeros(0, bool)
        self._dead_docs = [~self.live_sentence[sb[k]:sb[k + 1]] for k in range(len(segs))]
        self._dead_count = [int(d.sum()) for d in self._dead_docs]

    # -- the live collection's statistics ------------------------------------------------------------
    def _count(self, segs: list[SentenceIndex]) -> None:
        # One numbering of terms: the biggest segment's own (no dict built term by term), the others'
        # new terms after it.
        base = max(range(len(segs)), key=lambda k: len(segs[k].sentences.terms)) if segs else 0
        numbers: dict[str, int] = dict(zip(segs[base].sentences.terms, range(len(segs[base].sentences.terms)))) if segs else {}
        ids_of = []
        for k, seg in enumerate(segs):
            if k == base:
                ids_of.append(np.arange(len(seg.sentences.terms), dtype=np.int64))
            else:
                ids_of.append(np.fromiter((numbers.setdefault(t, len(numbers)) for t in seg.sentences.terms),
                                          dtype=np.int64, count=len(seg.sentences.terms)))
        sent_df = np.zeros(len(numbers), dtype=np.int64)
        para_df = np.zeros(len(numbers), dtype=np.int64)
        lengths = para_lengths = 0
        surfaces: dict[str, str] = {}
        for k, seg in enumerate(segs):
            dead = self._dead_docs[k]
            dead_df, dead_pdf = dead_counts(seg, dead)
            sent_df[ids_of[k]] += np.diff(np.asarray(seg.sentences.indptr)) - dead_df  # (a segment's ids are distinct)
            para_df[ids_of[k]] += np.asarray(seg.paragraphs.df, dtype=np.int64) - dead_pdf
            lengths += int(np.asarray(seg.sentences.doc_len, dtype=np.int64)[~dead].sum())
            live_par = self.live_paragraph[self._para_base[k]:self._para_base[k + 1]]
            para_lengths += int(np.asarray(seg.paragraphs.doc_len, dtype=np.int64)[live_par].sum())
            surfaces.update(seg.surface_terms)
        live = sent_df > 0  # a term only dead sentences hold is in no fresh build's vocabulary
        vocab = numbers if live.all() else {t: g for t, g in numbers.items() if live[g]}
        self._term_ids = [np.where(live[ids], ids, -1) for ids in ids_of]  # per segment: term -> the combined one
        self.terms = list(vocab)
        self.vocab = vocab
        self.sentence_count = int(self.live_sentence.sum())
        self.paragraph_count = int(self.live_paragraph.sum())
        self.sent_df, self.para_df = sent_df, para_df
        self.avgdl = lengths / self.sentence_count if self.sentence_count else 0.0
        self.para_avgdl = para_lengths / self.paragraph_count if self.paragraph_count else 0.0
        first = segs[0].sentences if segs else None
        self.k1, self.b, self.epsilon = (first.k1, first.b, first.epsilon) if first else (1.5, 0.75, 0.25)
        # rank_bm25's idf over the live vocabulary only (its epsilon floor is a mean over it)
        self.idf = np.zeros(len(numbers))
        self.idf[live] = BM25Index._okapi_idf(sent_df[live], self.sentence_count, self.epsilon)
        self.para_idf = np.zeros(len(numbers))
        self.para_idf[live] = BM25Index._okapi_idf(para_df[live], self.paragraph_count, self.epsilon)
        self.surface_terms = surfaces if live.all() else {s: t for s, t in surfaces.items() if t in vocab}
        # Each segment's search, weighed with these statistics (its own term numbers, its own documents).
        self._searchers = [seg.sentences.with_statistics(self.idf[np.maximum(self._term_ids[k], 0)] * (self._term_ids[k] >= 0)
                                                         if len(self.idf) else np.zeros(len(seg.sentences.terms)), self.avgdl)
                           for k, seg in enumerate(segs)]

    def warm(self) -> None:
        """Each segment's search's per-document length norms, made now rather than by the first question."""
        for searcher in self._searchers:
            searcher._norms()
            searcher._norm_by_length()

    def surface_live(self, word: str) -> bool:
        """Whether a live article writes this word (folded) as one of its words.  A segment's word map
        holds the words of all its articles: one with no dead article answers at once; in one with
        dead articles, the live sentences holding the word's term are read until one writes it."""
        found = self._surface_live.get(word)
        if found is not None:
            return found
        term = self.surface_terms.get(word)
        live = term is not None and any(writes_word(part.index, self._dead_docs[k] if self._dead_count[k] else None,
                                                    word, term) for k, part in enumerate(self.parts))
        self._surface_live[word] = live
        return live

    # -- where a slot is ----------------------------------------------------------------------------
    def _part_of_sentences(self, sentences: np.ndarray) -> np.ndarray:
        return np.searchsorted(self._sentence_base, sentences, side="right") - 1

    def _part_of_article(self, article: int) -> tuple[int, int]:
        k = int(np.searchsorted(self._article_base, article, side="right") - 1)
        return k, article - int(self._article_base[k])

    # -- sizes ---------------------------------------------------------------------------------------
    @property
    def article_count(self) -> int:
        return len(self._order)

    @property
    def article_slots(self) -> int:
        return int(self._article_base[-1])

    def order_keys(self, sentences: np.ndarray) -> np.ndarray:
        """What orders sentences as a fresh build numbers them: by file path, then place in the file."""
        sentences = np.asarray(sentences, dtype=np.int64)
        articles = self.para_article[self.sent_para[sentences]]
        first = self.para_first[np.searchsorted(self.para_article, articles)]
        return (self.article_rank[articles] << 32) | (sentences - first)

    def sentences_in_order(self) -> np.ndarray:
        """The live sentences, in a fresh build's order."""
        starts = self.para_first[np.searchsorted(self.para_article, self._order)]
        ends = self.para_first[np.searchsorted(self.para_article, np.asarray(self._order) + 1)]
        return ranges(np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64))

    # -- look-ups (SentenceIndex's) ------------------------------------------------------------------
    def source(self, article: int) -> Source:
        k, a = self._part_of_article(article)
        return self.parts[k].index.source(a)

    def title(self, article: int) -> str | None:
        k, a = self._part_of_article(article)
        return self.parts[k].index.title(a)

    def also(self, article: int) -> tuple[Source, ...]:
        return self._also.get(article, ())

    def sources(self) -> list[Source]:
        return [self.source(a) for a in self._order]

    def texts_between(self, first_sentences: np.ndarray, last_sentences: np.ndarray) -> list[str]:
        first_sentences = np.asarray(first_sentences, dtype=np.int64)
        last_sentences = np.asarray(last_sentences, dtype=np.int64)
        parts = self._part_of_sentences(first_sentences)
        out: list[str] = [""] * len(first_sentences)
        for k in np.unique(parts).tolist():
            at = np.flatnonzero(parts == k)
            base = self._sentence_base[k]
            for i, t in zip(at.tolist(), self.parts[k].index.texts_between(first_sentences[at] - base,
                                                                             last_sentences[at] - base)):
                out[i] = t
        return out

    def text_between(self, first_sentence: int, last_sentence: int) -> str:
        return self.texts_between(np.asarray([first_sentence]), np.asarray([last_sentence]))[0]

    def article_number(self, path: str) -> int | None:
        if self._article_numbers is None:
            self._article_numbers = {self.source(a).path: a for a in self._order}
        return self._article_numbers.get(path)

    def article_text(self, article: int) -> str:
        k, a = self._part_of_article(article)
        return self.parts[k].index.article_text(a)

    def article(self, article: int) -> Article:
        k, a = self._part_of_article(article)
        return self.parts[k].index.article(a)


class CombinedBM25:
    """The sentence BM25 of a CombinedIndex: BM25Index's look-ups, over every segment's postings."""

    def __init__(self, owner: CombinedIndex):
        self.owner = owner
        self.vocab, self.terms, self.idf = owner.vocab, owner.terms, owner.idf
        self.k1, self.b, self.epsilon, self.avgdl = owner.k1, owner.b, owner.epsilon, owner.avgdl

    @property
    def doc_count(self) -> int:
        return self.owner.sentence_count

    def df(self, term: str) -> int:
        g = self.vocab.get(term)
        return 0 if g is None else int(self.owner.sent_df[g])

    def _lists(self, term: str) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(segment, documents, frequencies) of the term's postings in each segment that has it (none
        when no live sentence has it: then its postings are all of dead ones)."""
        out = []
        if term not in self.vocab:
            return out
        for k, part in enumerate(self.owner.parts):
            ids, tf = part.index.sentences.postings(term)
            if len(ids):
                out.append((k, ids, tf))
        return out

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The term's documents (slots, ascending: segments come in order) and frequencies, dead ones too."""
        lists = self._lists(term)
        if not lists:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint8)
        base = self.owner._sentence_base
        return (np.concatenate([ids.astype(np.int64) + base[k] for k, ids, _ in lists]),
                np.concatenate([tf for _, _, tf in lists]))

    def hits_and_runs(self, term: str, points: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                      compiled: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """BM25Index.hits_and_runs over the segments' postings laid end to end (numpy's)."""
        points, lo, hi = (np.asarray(a, dtype=np.int64) for a in (points, lo, hi))
        return runs_of(self.locate(term, np.concatenate([points, lo, hi])), points, len(lo))

    def locate(self, term: str, needles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where each sentence number would sit in the term's postings laid end to end (`find`), the
        document found there (-1 past the end), and the frequencies those positions index."""
        lists = self._lists(term)
        needles = np.asarray(needles, dtype=np.int64)
        if not lists:
            return np.zeros(len(needles), dtype=np.int64), np.full(len(needles), -1, dtype=np.int64), np.zeros(0)
        base = self.owner._sentence_base
        at = np.zeros(len(needles), dtype=np.int64)
        doc = np.full(len(needles), -1, dtype=np.int64)
        before = 0
        for k, ids, _ in lists:
            lo, hi = base[k], base[k + 1]
            at += np.where(needles >= hi, len(ids), 0)
            inside = np.flatnonzero((needles >= lo) & (needles < hi))
            if len(inside):
                pos = find(ids, needles[inside] - lo)
                at[inside] += pos
                ok = pos < len(ids)
                doc[inside[ok]] = ids[pos[ok]].astype(np.int64) + lo
            before += len(ids)
        return at, doc, np.concatenate([tf for _, _, tf in lists])

    def top_k(self, weighted: Sequence[tuple[str, float]], k: int) -> tuple[np.ndarray, np.ndarray]:
        """The live documents' exact top k over all segments (ties: a fresh build's order)."""
        owner = self.owner
        found_ids, found_scores = [], []
        for s, searcher in enumerate(owner._searchers):
            dead, dead_count = owner._dead_docs[s], owner._dead_count[s]
            if dead_count == len(dead):
                continue
            want = k + min(dead_count, DEAD_SLACK)
            while True:
                ids, scores = searcher.top_k(weighted, want)
                keep = ~dead[ids] if dead_count else np.ones(len(ids), dtype=bool)
                # enough live ones, or no more to be had: the live top k are among these
                if keep.sum() >= k or len(ids) < want or want >= k + dead_count:
                    break
                want = k + dead_count
            found_ids.append(ids[keep] + owner._sentence_base[s])
            found_scores.append(scores[keep])
        if not found_ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        ids, scores = np.concatenate(found_ids), np.concatenate(found_scores)
        order = np.lexsort((owner.order_keys(ids), -scores))[:k]
        return ids[order], scores[order]

    def search_weighted(self, weighted: Sequence[tuple[str, float]], k: int):
        from bot.index.bm25 import Hit
        ids, scores = self.top_k(weighted, k)
        return [Hit(d, s) for d, s in zip(ids.tolist(), scores.tolist())]

    def search(self, query: Sequence[str], k: int):
        return self.search_weighted([(t, 1.0) for t in query], k)


class CombinedParagraphs(ParagraphBM25):
    """The paragraph BM25 of a CombinedIndex: ParagraphBM25's scoring, with the live paragraphs'
    statistics, over every segment's sentence postings."""

    def __init__(self, owner: CombinedIndex):  # (not ParagraphBM25's: its statistics would count dead ones)
        self.owner = owner
        self.sentences = owner.sentences
        self.k1, self.b, self.epsilon = owner.k1, owner.b, owner.epsilon
        self.avgdl, self.idf, self.df = owner.para_avgdl, owner.para_idf, owner.para_df
        self.doc_len = np.concatenate([np.asarray(p.index.paragraphs.doc_len, dtype=np.int64) for p in owner.parts])
        self.para_first = owner.para_first

    @property
    def doc_count(self) -> int:
        return self.owner.paragraph_count


class CombinedSpeller:
    """Typo correction over every segment's words, weighed by the live collection's counts."""

    def __init__(self, owner: CombinedIndex):
        self.owner = owner

    def correct(self, typed: str):
        owner = self.owner
        seen: set[str] = set()
        best = None
        for part in owner.parts:
            for dist, word in part.index.speller.candidates(typed):
                if word in seen:
                    continue
                seen.add(word)
                term = owner.surface_terms.get(word)
                freq = owner.sentences.df(term) if term is not None else 0
                if freq <= 0 or not owner.surface_live(word):
                    continue
                key = (dist, -freq, word)
                if best is None or key < best:
                    best = key
        return Speller.correction(typed, best)


def find_similar(parts: Sequence[Part], new: Part) -> dict[tuple[str, int], list[tuple[str, int]]]:
    """The pairs of the same story between the new segment's articles and every article not removed
    (the new segment's own included): candidates share enough prefix hashes (below) and have shingle
    counts close enough; their shingle hashes are compared, then their shingles themselves (as
    merge_duplicates checks a pair)."""
    from bot.corpus.duplicates import DUPLICATE_JACCARD, _sketch, same_story

    out: dict[tuple[str, int], list[tuple[str, int]]] = {}
    seg = new.index
    sketches: dict[tuple[int, int], np.ndarray] = {}

    def sketch(k: int, index: SentenceIndex, a: int) -> np.ndarray:
        found = sketches.get((k, a))
        if found is None:
            found = sketches[(k, a)] = _sketch(index.article(a))
        return found

    mine, mine_owner = np.asarray(seg.dup_prefix), np.asarray(seg.dup_owner)  # (by hash, then article)
    mine_sizes = np.asarray(seg.dup_size, dtype=np.int64)
    mine_lengths = np.bincount(mine_owner, minlength=len(seg.articles))
    live_lengths = mine_lengths.copy()
    live_lengths[np.fromiter(new.removed, dtype=np.int64, count=len(new.removed))] = 0
    # The new segment's live articles in runs holding about SIMILAR_RUN prefix hashes each, every run
    # taken out of the hash-ordered keys with a mask: sorting all of a 10M segment's 24M keys by
    # article took ~0.8 GB, and the keys stay in the order they are looked up in.
    runs = _article_runs(live_lengths, 0, len(seg.articles), SIMILAR_RUN)
    alive = (live_lengths > 0) if new.removed else None

    def chunks_of_run(first: int, end: int) -> Iterator[np.ndarray]:
        """Where the live prefix hashes of articles [first, end) stand in the new segment's keys, in
        the keys' order (by hash, ties by article), in chunks of about SIMILAR_CHUNK that each hold all
        of their articles' hashes: runs of articles picked with a mask, then runs within them."""
        picked = (mine_owner >= first) & (mine_owner < end)
        if alive is not None:
            picked &= alive[mine_owner]
        at = np.flatnonzero(picked)
        del picked
        owner_at = mine_owner[at]
        for lo, hi in _article_runs(live_lengths, first, end, SIMILAR_CHUNK):
            yield at[(owner_at >= lo) & (owner_at < hi)]

    for k, other in enumerate([*parts, new]):
        tokens, owners = np.asarray(other.index.dup_prefix), np.asarray(other.index.dup_owner)
        if not len(tokens) or not live_lengths.any():
            continue
        removed = np.fromiter(other.removed, dtype=np.int64, count=len(other.removed))
        other_sizes, other_lengths = (mine_sizes, mine_lengths) if other is new else \
            (np.asarray(other.index.dup_size, dtype=np.int64), np.bincount(owners, minlength=len(other.index.articles)))
        slots = len(other.index.articles) + 1
        keys = []
        # (a chunk of prefixes at a time: the candidate pairs of a big segment's would not fit in memory)
        for at in (chunk for first, end in runs for chunk in chunks_of_run(first, end)):
            part, part_owner = mine[at], mine_owner[at].astype(np.int64)
            lo, hi = _equal_run(mine, at) if other is new else \
                (np.searchsorted(tokens, part, side="left"), np.searchsorted(tokens, part, side="right"))
            a_of = np.repeat(part_owner, hi - lo)
            b_of = owners[ranges(lo, hi)].astype(np.int64) if (hi > lo).any() else np.zeros(0, dtype=np.int64)
            ok = ~np.isin(b_of, removed)
            if other is new:
                ok &= b_of > a_of
            pair, shared = np.unique(a_of[ok] * slots + b_of[ok], return_counts=True)
            del a_of, b_of, ok
            a, b = pair // slots, pair % slots
            size_a, size_b = mine_sizes[a], other_sizes[b]
            close = np.minimum(size_a, size_b) >= (DUPLICATE_JACCARD - 0.01) * np.maximum(size_a, size_b)
            need = _shared_prefix_need(size_a, mine_lengths[a], size_b, other_lengths[b], DUPLICATE_JACCARD)
            keys.append(pair[close & (shared >= need)])
        key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
        pairs = list(zip((key // slots).tolist(), (key % slots).tolist()))
        for a, b in pairs:
            x, y = sketch(len(parts), seg, a), sketch(k, other.index, b)
            inter = len(np.intersect1d(x, y, assume_unique=True))
            # (hashes only propose: the shingles decide, as in merge_duplicates)
            if inter / (len(x) + len(y) - inter) >= DUPLICATE_JACCARD - 0.01 and \
                    same_story(seg.article(a), other.index.article(b)):
                out.setdefault((new.name, a), []).append((other.name, b))
    return out


def _article_runs(lengths: np.ndarray, first: int, end: int, size: int) -> list[tuple[int, int]]:
    """Articles [first, end) in consecutive runs whose `lengths` add up to about `size` each (an
    article longer than that alone in its run)."""
    total = np.cumsum(lengths[first:end])
    if not len(total):
        return []
    cuts = (np.searchsorted(total, np.arange(size, int(total[-1]), size), side="left") + 1 + first).tolist()
    cuts = sorted(set(cuts) - {first, end})
    return list(zip([first, *cuts], [*cuts, end]))


def _equal_run(keys: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For keys[at] (keys sorted), where the run of keys equal to each begins and ends:
    searchsorted(keys, keys[at], "left" / "right"), looked up only for the few whose neighbour is
    equal (most prefix hashes are one article's alone; the binary searches over a 10M segment's 24M
    keys were half of copy-finding's time)."""
    value = keys[at]
    before = np.zeros(len(at), dtype=bool)
    after = np.zeros(len(at), dtype=bool)
    inner = at > 0
    before[inner] = keys[at[inner] - 1] == value[inner]
    inner = at < len(keys) - 1
    after[inner] = keys[at[inner] + 1] == value[inner]
    lo, hi = at.astype(np.int64), at.astype(np.int64) + 1
    shared = before | after
    if shared.any():
        lo[shared] = np.searchsorted(keys, value[shared], side="left")
        hi[shared] = np.searchsorted(keys, value[shared], side="right")
    return lo, hi


def _shared_prefix_need(size_a: np.ndarray, prefix_a: np.ndarray, size_b: np.ndarray, prefix_b: np.ndarray,
                        jaccard: float) -> np.ndarray:
    """How many prefix hashes two articles must share to reach `jaccard` (per pair: shingle-hash set
    sizes, prefix lengths).

    Prefix filtering, counted: two sets reaching `jaccard` share at least
    alpha = ceil(jaccard / (1 + jaccard) * (|x| + |y|)) hashes.  In the one global order the i-th of
    those shared hashes stands at most at place |x| - alpha + i in x (only the |x| - alpha hashes of x
    that y lacks can come before it besides the i - 1 shared ones), so the first
    min(prefix_x - |x|, prefix_y - |y|) + alpha of them lie in both prefixes: PREFIX_SPARE + 1 at
    least, ~30 for two articles of ~500 shingles and the same size, where unrelated stories sharing a
    stock phrase or two meet once or twice.  Two fewer are asked for, in case hashes collided
    (negligible for 64-bit hashes, and the shingles decide anyway); never fewer than one, the bare
    prefix filter (segments written before PREFIX_SPARE keep shorter prefixes, which it covers)."""
    alpha = np.ceil(jaccard / (1 + jaccard) * (size_a + size_b) - 1e-9).astype(np.int64)
    return np.maximum(np.minimum(prefix_a - size_a, prefix_b - size_b) + alpha - 2, 1)
