"""Articles added, edited and deleted on a big index: how soon they are answerable (or no longer
quoted), and how long a question waits meanwhile.

    python benchmarks/bench_updates.py --corpus benchmarks/data/corpus1m --index benchmarks/data/index1m \
        [--articles 100] [--json OUT]

The corpus is never changed: the run works on a copy under --work (hard links: a link changes a
file's ctime, which tells the index a file may have changed, so the copy is indexed afresh first;
--index is not used then, kept for the command line's sake).  It measures, in order:

1. `quotebot add FOLDER` of --articles new articles (~25 sentences each, the generator's words)
   through the real command line: the command's wall time (start-up and load included), then the
   first `ask` that quotes them.
2. A running bot (an in-process LiveAnswerer, as `quotebot telegram` runs it, looking every second):
   another --articles articles are moved into the folder while a probe asks a question every 10 ms;
   the time from the move until a question about them is answered, and the probes' wait (each
   probe's answer time) during it: median, p99, max.
3. One article edited, then one deleted, in the running bot: the time until the new text is quoted
   and the old text no longer is.
4. A full merge of the segments: its time, and the disk the index folder took at its peak.
The OPENBLAS_* variables are left as they are (this machine's: they slow numpy).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answer.answerer import Answerer  # noqa: E402
from bot.answer.live import LiveAnswerer  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.index import format as index_format  # noqa: E402
from bot.index import updates  # noqa: E402
from bot.index.updates import open_index  # noqa: E402

MARKER = ("The lighthouse keeper {name} counted {n} ships passing the cape in one year.", "Who is the lighthouse keeper {name}?")


def folder_bytes(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):  # (folders come and go while a merge runs)
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def new_articles(out: Path, count: int, seed: int, name: str) -> None:
    """`count` generated articles of ~25 sentences in `out`, the first with a sentence naming `name`."""
    raw = out.with_name(out.name + ".raw")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--sentences", str(25 * count),
                    "--articles", str(count), "--vocab", "44000", "--seed", str(seed), "--queries", "1",
                    "--common-queries", "1", "--out", str(raw)], check=True, capture_output=True)
    out.mkdir(parents=True)
    for i, path in enumerate(sorted(raw.glob("*.txt"))):
        text = path.read_text(encoding="utf-8")
        if i == 0:
            text += "\n" + MARKER[0].format(name=name, n=8214) + "\n"
        (out / f"{out.name}-{path.name}").write_text(text, encoding="utf-8")
    shutil.rmtree(raw)


def wait_until(check, limit: float = 120.0, step: float = 0.02) -> float:
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > limit:
            raise SystemExit(f"not done after {limit} s")
        time.sleep(step)
    return time.perf_counter() - started


class Probe(threading.Thread):
    """A question every 10 ms; each answer's time, with when it was asked."""

    def __init__(self, live: LiveAnswerer, question: str):
        super().__init__(daemon=True)
        self.live, self.question, self.times, self.stop = live, question, [], threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            asked = time.perf_counter()
            self.live.answer(self.question)
            self.times.append((asked, time.perf_counter() - asked))
            time.sleep(0.01)

    def waits(self, start: float, end: float) -> list[float]:
        return [t for at, t in self.times if start <= at <= end]


def summary(waits: list[float]) -> dict:
    waits = sorted(waits)
    if not waits:
        return {}
    return {"probes": len(waits), "median_ms": 1000 * statistics.median(waits),
            "p99_ms": 1000 * waits[min(len(waits) - 1, int(0.99 * len(waits)))], "max_ms": 1000 * waits[-1]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--articles", type=int, default=100)
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "data" / "updates-work")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    corpus, index_dir = args.work / "corpus", args.work / "index"
    subprocess.run(["cp", "-al", str(args.corpus), str(corpus)], check=True)
    settings = replace(Settings.from_env(environ={}, dotenv_path=None), corpus_dir=corpus, index_dir=index_dir,
                       reload_seconds=1)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out: dict = {"articles_added": args.articles}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "build", "--corpus", str(corpus), "--index", str(index_dir)],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    out["build_seconds"] = time.perf_counter() - started

    # 1. quotebot add, through the command line
    new_articles(args.work / "batch1", args.articles, 101, "Quillfeather")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bot", "add", str(args.work / "batch1"), "--corpus", str(corpus),
                           "--index", str(index_dir)], cwd=ROOT, env=env, capture_output=True, text=True)
    out["cli_add_seconds"] = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    asked = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", MARKER[1].format(name="Quillfeather"),
                            "--corpus", str(corpus), "--index", str(index_dir)], cwd=ROOT, env=env,
                           capture_output=True, text=True)
    out["cli_add_answerable"] = "8214 ships" in asked.stdout
    out["cli_add_output"] = done.stdout.strip()

    # 2. a running bot: files moved into its folder while a probe asks every 10 ms
    live = LiveAnswerer(Answerer(open_index(settings), settings.answering), settings)
    steady = "What did the minister say about the market?"
    live.start()
    for _ in range(50):  # warm: the first answers read the index's pages from disk
        live.answer(steady)
    probe = Probe(live, steady)
    probe.start()
    time.sleep(2.0)
    new_articles(args.work / "batch2", args.articles, 202, "Zorvath")
    moved = time.perf_counter()
    (args.work / "batch2").rename(corpus / "batch2")
    question = MARKER[1].format(name="Zorvath")
    found = lambda: any("Zorvath" in p.quote for p in live.answer(question).passages)  # noqa: E731
    out["bot_add_seconds"] = wait_until(found)
    out["bot_add_probe_waits"] = summary(probe.waits(moved, time.perf_counter()))
    out["probe_waits_before"] = summary(probe.waits(0, moved))

    # 3. one article edited, one deleted (once the folder is quiet: the move's events are all read)
    time.sleep(3.0)
    victim = sorted(corpus.glob("a0*.txt"))[3]
    text = victim.read_text(encoding="utf-8")
    edited = time.perf_counter()
    marker = "The harbour of Vendrask froze solid in March."
    edited_copy = victim.with_name(victim.name + ".new")  # written aside and renamed over: the copy's files
    edited_copy.write_text(text + "\n" + marker + "\n", encoding="utf-8")  # are hard links to the corpus's
    edited_copy.rename(victim)
    quoted = lambda: any(marker in p.quote for p in live.answer("Vendrask harbour froze solid").passages)  # noqa: E731
    out["bot_edit_seconds"] = wait_until(quoted)
    out["bot_edit_probe_waits"] = summary(probe.waits(edited, time.perf_counter()))
    deleted = time.perf_counter()
    victim.unlink()
    out["bot_delete_seconds"] = wait_until(lambda: not quoted())
    out["bot_delete_probe_waits"] = summary(probe.waits(deleted, time.perf_counter()))
    probe.stop.set()
    live.stop()
    out["segments_before_merge"] = len(index_format.read_commit(index_dir, index_format.current_name(index_dir))["segments"])

    # 4. a full merge
    peak = [folder_bytes(index_dir)]
    stop = threading.Event()

    def watch_disk() -> None:
        while not stop.is_set():
            peak.append(folder_bytes(index_dir))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch_disk, daemon=True)
    watcher.start()
    started = time.perf_counter()
    updates.merge(settings)
    out["merge_seconds"] = time.perf_counter() - started
    stop.set()
    watcher.join()
    out["index_bytes_before_merge"], out["index_bytes_peak"] = peak[0], max(peak)
    out["index_bytes_after_merge"] = folder_bytes(index_dir)
    print(json.dumps(out, indent=1))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
