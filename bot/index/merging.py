"""Segments merged by concatenation: their live articles' arrays copied and renumbered into one
segment, nothing read or analysed again.

concatenate(parts, folder) -> SentenceIndex
concatenate_into(parts, index_dir, aside=False) -> (SentenceIndex, its temporary folder)

A fresh build of the same articles would hold the same sentences, terms and counts: a sentence's
terms do not depend on the other articles (the analyser is per sentence), so the merged segment is
the chosen segments' live articles laid end to end in path order, each posting list the segments'
lists for that term with dead sentences left out and live ones renumbered, each statistic the sum of
the parts' live counts.  What a build derives from the postings (per-block bounds, the paragraphs'
document frequencies, the typo corrector's counts) is derived again here the same way.

Memory stays bounded: the postings are written to the segment's files a chunk of terms at a time
(about CHUNK_POSTINGS postings, read from the parts' memory maps), the text article run by article
run; only per-sentence, per-paragraph and per-term arrays are held whole (some 30 bytes a sentence).
A build streams its batches into segments and merges them with this (bot.index.build), and so does
the background merge of an update (bot.index.updates), in both cases without the parse and analysis
that cost most of a build.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Sequence

import numpy as np

from bot import text
from bot.index import format as index_format
from bot.index.bm25 import BLOCK, BM25Index, narrow_uint, ranges
from bot.index.combined import Part, writes_word
from bot.index.paragraphs import ParagraphBM25
from bot.index.records import ArticleRecords
from bot.index.sentences import SentenceIndex, _narrow, _surface_counts
from bot.index.spelling import Speller

# Postings gathered, ordered and written at a time (each costs some 60 bytes while its chunk is
# ordered: 2M postings ~120 MB, whatever the corpus's size).
CHUNK_POSTINGS = 1 << 21


def kept_articles(parts: Sequence[Part]) -> list[tuple[str, int, int]]:
    """(path, part, article) of every article not removed, in path order: the merged segment's order."""
    return sorted((path, k, a) for k, p in enumerate(parts)
                  for a, path in enumerate(p.index.articles.paths) if a not in p.removed)


class _NpyWriter:
    """A .npy file written a piece at a time (its shape known in advance)."""

    def __init__(self, path: Path, dtype: np.dtype, shape: tuple[int, ...]):
        self.dtype, self.expected, self.written = np.dtype(dtype), int(np.prod(shape)), 0
        self.file = open(path, "wb")
        np.lib.format.write_array_header_1_0(self.file, {"descr": np.lib.format.dtype_to_descr(self.dtype),
                                                          "fortran_order": False, "shape": shape})

    def write(self, values: np.ndarray) -> None:
        values = np.ascontiguousarray(values, dtype=self.dtype)
        self.file.write(memoryview(values).cast("B"))
        self.written += values.size

    def close(self) -> None:
        self.file.close()
        if self.written != self.expected:
            raise ValueError(f"{self.file.name}: wrote {self.written} values of {self.expected}")


class _Layout:
    """Where each kept article's sentences, paragraphs, spans and bytes go, per part."""

    def __init__(self, parts: Sequence[Part], kept: list[tuple[str, int, int]]):
        self.parts = parts
        n = len(kept)
        self.part_of = np.fromiter((k for _, k, _ in kept), dtype=np.int64, count=n)
        self.local = np.fromiter((a for _, _, a in kept), dtype=np.int64, count=n)
        # Per part, each local article's ranges of sentences, paragraphs, spans and bytes.
        self.ranges = [self._local_ranges(p.index) for p in parts]
        # Per part, the merged numbers of its kept articles (ascending: a part is in path order).
        self.mines = [np.flatnonzero(self.part_of == k) for k in range(len(parts))]
        sizes = {name: np.zeros(n, dtype=np.int64) for name in ("sent", "para", "span", "byte")}
        for k, mine in enumerate(self.mines):
            for name, (lo, hi) in self.ranges[k].items():
                sizes[name][mine] = (hi - lo)[self.local[mine]]
        self.sizes = sizes
        self.starts = {name: np.concatenate(([0], np.cumsum(v))) for name, v in sizes.items()}
        # Per part: local sentence -> merged sentence (-1: dead), local paragraph -> merged paragraph.
        self.sentence_map, self.paragraph_map = [], []
        for k, p in enumerate(parts):
            self.sentence_map.append(self._map(k, "sent", p.index.sentence_count))
            self.paragraph_map.append(self._map(k, "para", len(p.index.para_article)))

    @staticmethod
    def _local_ranges(seg: SentenceIndex) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        articles = np.arange(seg.article_count)
        para_article = np.asarray(seg.para_article)
        p_lo = np.searchsorted(para_article, articles, side="left")
        p_hi = np.searchsorted(para_article, articles, side="right")
        para_first = np.asarray(seg.para_first, dtype=np.int64)
        spans = np.asarray(seg.article_para_first, dtype=np.int64)
        byte = np.asarray(seg.article_byte, dtype=np.int64).reshape(-1, 2)
        return {"sent": (para_first[p_lo], para_first[p_hi]), "para": (p_lo, p_hi),
                "span": (spans[:-1], spans[1:]), "byte": (byte[:, 0], byte[:, 1])}

    def article_map(self, k: int) -> np.ndarray:
        """Part k's local article -> merged article (-1: not kept)."""
        out = np.full(self.parts[k].index.article_count, -1, dtype=np.int64)
        out[self.local[self.mines[k]]] = self.mines[k]
        return out

    def positions(self, k: int, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Part k's kept articles' local positions of one kind, and where each goes in the merged segment."""
        js = self.mines[k]
        if name == "article":
            return self.local[js], js
        lo, hi = self.ranges[k][name]
        local_lo, local_hi = lo[self.local[js]], hi[self.local[js]]
        new_lo = self.starts[name][js]
        return ranges(local_lo, local_hi), ranges(new_lo, new_lo + (local_hi - local_lo))

    def _map(self, k: int, name: str, count: int) -> np.ndarray:
        out = np.full(count, -1, dtype=np.int64)
        local, new = self.positions(k, name)
        out[local] = new
        return out

    def gather(self, name: str, kind: str, transform=None) -> np.ndarray:
        """A per-sentence (kind "sent"), per-paragraph, per-span or per-article array of the merged segment
        (`transform(k, values)` turns part k's values into the merged ones: then int64)."""
        sources = [np.asarray(getattr(p.index, name) if "." not in name else
                              getattr(getattr(p.index, name.split(".")[0]), name.split(".")[1])) for p in self.parts]
        dtype = np.result_type(*sources) if transform is None else np.dtype(np.int64)
        count = len(self.part_of) if kind == "article" else int(self.starts[kind][-1])
        out = np.zeros((count,) + sources[0].shape[1:], dtype=dtype)
        for k, source in enumerate(sources):
            local, new = self.positions(k, kind)
            out[new] = source[local] if transform is None else transform(k, source[local])
        return out

    def shifts(self, k: int, name: str, per: str) -> np.ndarray:
        """For each of part k's kept articles' items of kind `per` (sentences, paragraphs), how far
        the article's `name` positions (bytes, sentences) move in the merged segment."""
        js = self.mines[k]
        shift = self.starts[name][js] - self.ranges[k][name][0][self.local[js]]
        return np.repeat(shift, self.sizes[per][js])


def concatenate_into(parts: Sequence[Part], index_dir: Path, aside: bool = False,
                     kept: list[tuple[str, int, int]] | None = None) -> tuple[SentenceIndex, Path]:
    """concatenate into a new temporary segment folder of `index_dir` (bot.index.format's
    new_segment_folder), removed again if the merge fails: (the segment, its folder)."""
    folder = index_format.new_segment_folder(index_dir, aside=aside)
    try:
        return concatenate(parts, folder, kept), folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def concatenate(parts: Sequence[Part], folder: Path, kept: list[tuple[str, int, int]] | None = None) -> SentenceIndex:
    """The parts' live articles (not removed; copies of a story kept, as a build keeps them) as one
    segment in path order, its text and postings written into `folder` (blob.bin, sent.doc_ids.npy,
    sent.tf.npy: a segment being written, which bot.index.format.write_segment completes).  `kept`:
    kept_articles(parts), when the caller has it already."""
    kept = kept_articles(parts) if kept is None else kept
    layout = _Layout(parts, kept)
    segs = [p.index for p in parts]
    # -- per sentence, per paragraph, per article ------------------------------------------------
    sent_para = layout.gather("sent_para", "sent", lambda k, v: layout.paragraph_map[k][v.astype(np.int64)])
    sent_byte = layout.gather("sent_byte", "sent",
                              lambda k, v: v.astype(np.int64) + layout.shifts(k, "byte", "sent")[:, None])
    doc_len = layout.gather("sentences.doc_len", "sent")
    # (a paragraph's first sentence moves with its article, even where it has none of its own)
    para_first = np.concatenate((layout.gather("para_first", "para",
                                               lambda k, v: v.astype(np.int64) + layout.shifts(k, "sent", "para")),
                                 [int(layout.starts["sent"][-1])]))
    articles = ArticleRecords.gather([(segs[k].articles, a) for _, k, a in kept])
    byte_start = layout.starts["byte"]
    sent_para = sent_para.astype(np.int32)
    for seg in segs:  # (what was read of the parts' per-sentence maps is not needed again)
        index_format.release_index_pages(seg)

    _write_text(layout, folder / "blob.bin")
    # -- the vocabulary and the postings ----------------------------------------------------------
    terms, term_maps, df = _vocabulary(parts, layout)
    sentences, para_df = _write_postings(parts, layout, terms, term_maps, df, doc_len, sent_para, folder)
    prefix, owner = _copy_keys(segs, layout)
    paragraphs = ParagraphBM25(sentences, para_first, para_df.astype(narrow_uint(para_df)),
                               layout.gather("paragraphs.doc_len", "para"), sentences.k1, sentences.b, sentences.epsilon)
    surface_terms = _surfaces(parts, layout, sentences.vocab)
    return SentenceIndex(
        sentences=sentences, paragraphs=paragraphs,
        speller=Speller.build(_surface_counts(surface_terms, sentences)),
        sent_para=sent_para, sent_start=layout.gather("sent_start", "sent"),
        sent_end=layout.gather("sent_end", "sent"), sent_byte=_narrow(sent_byte),
        para_article=_narrow(np.repeat(np.arange(len(kept), dtype=np.int64), layout.sizes["para"])),
        para_first=_narrow(para_first), para_kind=layout.gather("para_kind", "para"),
        article_byte=np.stack([byte_start[:-1], byte_start[1:]], axis=1),
        article_para_first=layout.starts["span"].astype(np.int64),
        article_para_span=_narrow(layout.gather("article_para_span", "span").astype(np.int64)),
        article_para_kind=layout.gather("article_para_kind", "span"),
        dup_digest=layout.gather("dup_digest", "article"), dup_size=layout.gather("dup_size", "article"),
        dup_prefix=prefix, dup_owner=owner,
        blob=np.memmap(folder / "blob.bin", dtype=np.uint8, mode="r") if byte_start[-1] else b"",
        articles=articles, surface_terms=surface_terms)


def _copy_keys(segs: Sequence[SentenceIndex], layout: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """The copy-finding keys of the kept articles: each one's prefix hashes with its merged number,
    sorted by (hash, article) as a build sorts them.  Both go in one 64-bit key sorted in place (a
    part's keys are sorted runs already, which the stable sort merges): some 20 bytes a key at the
    peak, where an argsort of the two columns took twice that."""
    keys = []
    for k, seg in enumerate(segs):
        owner = layout.article_map(k)[np.asarray(seg.dup_owner, dtype=np.int64)]
        keep = owner >= 0
        key = np.asarray(seg.dup_prefix, dtype=np.uint64)[keep] << np.uint64(32)
        key |= owner[keep].astype(np.uint64)
        keys.append(key)
        del owner, keep
    key = np.concatenate(keys) if keys else np.zeros(0, np.uint64)
    del keys
    key.sort(kind="stable")
    count = len(layout.part_of)
    owner = (key & np.uint64(0xFFFFFFFF)).astype(np.uint16 if count < 2**16 else np.int32)
    key >>= np.uint64(32)
    return key.astype(np.uint32), owner


def _write_text(layout: _Layout, path: Path) -> None:
    """The kept articles' text in merged order, one copy per run of articles consecutive in a part."""
    js = np.arange(len(layout.part_of))
    if not len(js):
        path.write_bytes(b"")
        return
    # a run breaks where the part changes or the local article does not follow the previous one
    breaks = np.flatnonzero((np.diff(layout.part_of) != 0) | (np.diff(layout.local) != 1)) + 1
    with open(path, "wb") as out:
        for lo, hi in zip(np.concatenate(([0], breaks)).tolist(), np.concatenate((breaks, [len(js)])).tolist()):
            k = int(layout.part_of[lo])
            seg = layout.parts[k].index
            start = int(layout.ranges[k]["byte"][0][layout.local[lo]])
            end = int(layout.ranges[k]["byte"][1][layout.local[hi - 1]])
            _copy_bytes(seg.blob, start, end, out)


def _copy_bytes(blob, start: int, end: int, out) -> None:
    """blob[start:end] appended to the open file `out`.  A blob memory-mapped from its file is copied
    file to file by the kernel: read through the map, the whole text of every part would count in
    this process's resident memory (1.1 GB at 10M sentences)."""
    mapped = _mapped_file(blob)
    if mapped is not None and hasattr(os, "copy_file_range"):
        filename, base = mapped
        out.flush()
        with open(filename, "rb") as source:
            at, offset = start + base, out.tell()
            left = end - start
            try:
                while left > 0:
                    done = os.copy_file_range(source.fileno(), out.fileno(), min(left, 1 << 30), at, offset)
                    if done <= 0:
                        break
                    at, offset, left = at + done, offset + done, left - done
            except OSError as e:
                if e.errno not in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
                    raise
            out.seek(offset)
            if left <= 0:
                return
            start = end - left  # (what the kernel would not copy: read below)
    view = memoryview(blob).cast("B")
    for at in range(start, end, 1 << 26):
        out.write(view[at:min(end, at + (1 << 26))])


def _mapped_file(blob) -> tuple[str, int] | None:
    """(file name, offset of blob[0] in it) of an array memory-mapped from a file, also of a plain
    ndarray view of one (as a loaded segment holds its text); else None."""
    base = index_format.memmap_of(blob)
    if base is None:
        return None
    delta = blob.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    return base.filename, int(base.offset) + int(delta)


def _vocabulary(parts: Sequence[Part], layout: _Layout) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """The merged vocabulary (terms some live sentence holds, sorted), per part its terms' merged
    numbers (-1: none), and each merged term's document frequency."""
    live_df = []
    for k, p in enumerate(parts):
        bm = p.index.sentences
        indptr = np.asarray(bm.indptr, dtype=np.int64)
        if (layout.sentence_map[k] >= 0).all():
            live_df.append(np.diff(indptr))
            continue
        counts = np.zeros(len(bm.terms), dtype=np.int64)
        live = layout.sentence_map[k] >= 0
        for lo in range(0, len(bm.terms), 4096):  # a bounded slice of the postings at a time
            hi = min(len(bm.terms), lo + 4096)
            docs = np.asarray(bm.doc_ids[indptr[lo]:indptr[hi]])
            term = np.repeat(np.arange(lo, hi), np.diff(indptr[lo:hi + 1]))
            counts[lo:hi] = np.bincount(term[live[docs]] - lo, minlength=hi - lo)
        live_df.append(counts)
    terms = sorted({t for p, d in zip(parts, live_df) for t, n in zip(p.index.sentences.terms, d.tolist()) if n})
    number = {t: i for i, t in enumerate(terms)}
    maps, df = [], np.zeros(len(terms), dtype=np.int64)
    for p, d in zip(parts, live_df):
        m = np.fromiter((number.get(t, -1) if n else -1 for t, n in zip(p.index.sentences.terms, d.tolist())),
                        dtype=np.int64, count=len(d))
        maps.append(m)
        np.add.at(df, m[m >= 0], d[m >= 0])
    return terms, maps, df


def _write_postings(parts: Sequence[Part], layout: _Layout, terms: list[str], term_maps: list[np.ndarray],
                    df: np.ndarray, doc_len: np.ndarray, sent_para: np.ndarray, folder: Path):
    """sent.doc_ids.npy and sent.tf.npy written chunk by chunk; the BM25Index over them (memory-mapped)
    and each term's paragraph document frequency."""
    n_terms, n_docs = len(terms), len(doc_len)
    indptr = np.concatenate(([0], np.cumsum(df))).astype(np.int64)
    total = int(indptr[-1])
    doc_len = doc_len.astype(narrow_uint(doc_len))
    max_tf = max((int(np.asarray(p.index.sentences.tf).max()) for p in parts if len(p.index.sentences.tf)), default=0)
    ids_dtype = np.uint32 if n_docs < 2**32 else np.uint64
    tf_dtype = narrow_uint(np.asarray([max_tf]))
    ids_out = _NpyWriter(folder / "sent.doc_ids.npy", ids_dtype, (total,))
    tf_out = _NpyWriter(folder / "sent.tf.npy", tf_dtype, (total,))
    # per part: its local term numbers in merged order (so each part gives a chunk's terms in order)
    local_order = []
    for m in term_maps:
        have = np.flatnonzero(m >= 0)
        local_order.append(have[np.argsort(m[have], kind="stable")])
    merged_of = [m[o] for m, o in zip(term_maps, local_order)]
    block_max_tf, block_min_len, block_min_ratio = [], [], []
    para_df = np.zeros(n_terms, dtype=np.int64)
    cuts = np.searchsorted(indptr, np.arange(0, total, CHUNK_POSTINGS), side="right") - 1
    bounds = sorted(set(cuts.tolist()) | {n_terms})
    try:
        for g0, g1 in zip(bounds[:-1], bounds[1:]):
            docs_parts, tf_parts, term_parts = [], [], []
            for k, p in enumerate(parts):
                bm = p.index.sentences
                lo, hi = np.searchsorted(merged_of[k], [g0, g1])
                local = local_order[k][lo:hi]
                if not len(local):
                    continue
                lp = np.asarray(bm.indptr, dtype=np.int64)
                at = ranges(lp[local], lp[local + 1])
                docs = layout.sentence_map[k][np.asarray(bm.doc_ids)[at].astype(np.int64)]
                live = docs >= 0
                docs_parts.append(docs[live])
                tf_parts.append(np.asarray(bm.tf)[at][live])
                term_parts.append(np.repeat(merged_of[k][lo:hi], lp[local + 1] - lp[local])[live])
                index_format.release_pages(bm.doc_ids, bm.tf)  # (read once: see release_pages)
            docs = np.concatenate(docs_parts)
            tf = np.concatenate(tf_parts)
            term = np.concatenate(term_parts)
            # Each part's postings are in (term, document) order; timsort merges the parts' runs.
            order = np.argsort((term - g0) * (n_docs + 1) + docs, kind="stable")
            docs, tf, term = docs[order], tf[order], term[order]
            ids_out.write(docs)
            tf_out.write(tf)
            # the per-block bounds of these terms' postings (blocks never straddle terms)
            counts = df[g0:g1]
            blocks = -(-counts // BLOCK)
            first = np.concatenate(([0], np.cumsum(counts)[:-1]))
            term_of_block = np.repeat(np.arange(g1 - g0), blocks)
            block_in_term = np.arange(int(blocks.sum())) - np.repeat(np.concatenate(([0], np.cumsum(blocks)[:-1])), blocks)
            starts = first[term_of_block] + BLOCK * block_in_term
            if len(starts):
                lengths = doc_len[docs]
                block_max_tf.append(np.maximum.reduceat(tf, starts))
                block_min_len.append(np.minimum.reduceat(lengths, starts))
                ratio = np.minimum.reduceat(lengths / tf, starts)
                low = ratio.astype(np.float32)
                high = low > ratio
                low[high] = np.nextafter(low[high], np.float32(0))
                block_min_ratio.append(low)
            para = np.asarray(sent_para)[docs]
            change = np.ones(len(docs), dtype=bool)
            change[1:] = (term[1:] != term[:-1]) | (para[1:] != para[:-1])
            para_df[g0:g1] = np.bincount(term[change] - g0, minlength=g1 - g0)
    finally:
        ids_out.close()
        tf_out.close()
    blocks = -(-df // BLOCK)
    block_ptr = np.concatenate(([0], np.cumsum(blocks))).astype(np.int64)
    first = parts[0].index.sentences
    sentences = BM25Index(
        terms, indptr, np.load(folder / "sent.doc_ids.npy", mmap_mode="r"), np.load(folder / "sent.tf.npy", mmap_mode="r"),
        doc_len, block_ptr,
        np.concatenate(block_max_tf).astype(tf_dtype) if block_max_tf else np.zeros(0, tf_dtype),
        np.concatenate(block_min_len).astype(doc_len.dtype) if block_min_len else doc_len[:0],
        np.concatenate(block_min_ratio) if block_min_ratio else np.zeros(0, np.float32),
        first.k1, first.b, first.epsilon)
    return sentences, para_df


def _surfaces(parts: Sequence[Part], layout: _Layout, vocab: dict[str, int]) -> dict[str, str]:
    """The words as written (folded) of the live articles, with their terms.  A part with no dead
    article gives all of its own; of a part with dead ones, a word its dead sentences write is kept
    only when a live sentence (of any part) writes it too."""
    surfaces: dict[str, str] = {}
    doubtful: set[str] = set()
    for k, p in enumerate(parts):
        seg = p.index
        surfaces.update((s, t) for s, t in seg.surface_terms.items() if t in vocab)
        dead = np.flatnonzero(layout.sentence_map[k] < 0)
        for start in range(0, len(dead), 4096):
            for sentence in seg.sentence_texts(dead[start:start + 4096]):
                doubtful.update(text.terms_and_surfaces(sentence, seg.surface_terms)[1])
    if doubtful:
        dead_docs = [None if (m >= 0).all() else m < 0 for m in layout.sentence_map]
        for word in doubtful & surfaces.keys():
            term = surfaces[word]
            if not any(writes_word(p.index, dead_docs[k], word, term) for k, p in enumerate(parts)):
                del surfaces[word]
    return surfaces
