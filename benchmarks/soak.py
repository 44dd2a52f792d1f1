"""Soak: the real `python -m bot telegram` process against the stand-in Bot API (tests/support/botapi.py, run in
this process) for a set time, with a steady mix of users, questions, More buttons, inline queries and
injected faults, and one restart of the bot midway.

    python benchmarks/soak.py                    # 600 s
    python benchmarks/soak.py --seconds 60 --users 8

Faults (on the bot's sends): HTTP 500, 429 with retry_after, slow answers, connections dropped before
the server handled the call, and dropped after it (the server recorded the message, then hung up
without answering: the bot cannot know it arrived, retries, and the user sees it twice: those
duplicates are counted apart).  Users: `--users` allowed ones asking at a steady pace under the rate
limit, one allowed "hammer" far over it, and (with the allowlist, the default) a few users who are
not allowed, who ask, press buttons they stole from others and send inline queries.

Reported: questions asked / answered / lost / duplicated (explained ones apart), p50/p99 reply latency
(minus the seconds a 429 asked the bot to wait and the restart's downtime), the bot's RSS at start and
end of each process and its growth, refusals, whether corpus text ever reached a user who is not
allowed, rate-limit replies.  A table on stdout, JSON in benchmarks/out/ (or --out).

python-telegram-bot drops a whole getUpdates batch it cannot parse and retries it forever, so malformed
updates are out of scope here.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # a script run from anywhere: the project's bot and tests.support

from tests.support.botapi import DROP_AFTER, DROP_BEFORE, SLOW, TOKEN, BotAPI  # noqa: E402

from bot.frontends.telegram.markup import APOLOGY, MORE_EXPIRED, REFUSAL, SLOW_DOWN  # noqa: E402

CANNED = ROOT / "tests" / "data" / "canned.json"
SEEDS = ROOT / "seeds"
ODD = ["\u200d", "\u202e", "\u0000", "\U0001F600", "\u05e9\u05dc\u05d5\u05dd", "?!", "...", "\ufeff", "<b>", "&amp;"]
STOPWORDS = ["the", "of", "and", "a", "to", "in", "is", "was", "it", "for"]


# -- the bot process ---------------------------------------------------------------------------------
class BotProcess:
    def __init__(self, api: BotAPI, corpus: Path, index: Path, log: Path, env: dict[str, str]):
        full = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_BASE_URL": api.base_url,
                "PYTHONUNBUFFERED": "1", **env}
        self.log = log
        self.started = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "telegram", "--corpus", str(corpus),
                                      "--index", str(index)], cwd=ROOT, env=full,
                                     stdout=log.with_suffix(".out").open("w"), stderr=log.open("w"))
        self.rss: list[tuple[float, int]] = []  # (seconds since start, bytes)

    def wait_ready(self, timeout: float = 120) -> float:
        deadline = time.monotonic() + timeout
        while "quotebot serving" not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start:\n{self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.05)
        return time.monotonic()

    def sample(self) -> int | None:
        value = rss_bytes(self.proc.pid)
        if value:
            self.rss.append((time.monotonic() - self.started, value))
        return value

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)


def rss_bytes(pid: int) -> int | None:
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss
    except ImportError:
        pass
    except Exception:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


# -- the load --------------------------------------------------------------------------------------------
class Load:
    """Users acting at a steady pace; every action recorded with its time for the accounting."""

    def __init__(self, api: BotAPI, rng: random.Random, args, vocabulary: list[str]):
        self.api, self.rng, self.args, self.vocabulary = api, rng, args, vocabulary
        self.canned = [q["question"] for q in json.loads(CANNED.read_text())["questions"]]
        self.allowed = list(range(1001, 1001 + args.users))
        self.hammer = 2001
        self.strangers = list(range(9001, 9001 + args.strangers)) if args.allowlist else []
        self.actions: list[dict] = []
        self.pressed: set[tuple[int, int]] = set()
        self.lock = threading.Lock()

    def question_text(self) -> str:
        r = self.rng.random()
        if r < 0.55:
            return self.rng.choice(self.canned)
        if r < 0.85:
            return " ".join(self.rng.choice(self.vocabulary) for _ in range(self.rng.randint(1, 7))) + "?"
        if r < 0.92:
            return " ".join(self.rng.choice(STOPWORDS) for _ in range(self.rng.randint(1, 5)))
        if r < 0.97:
            return "".join(self.rng.choice(ODD + self.vocabulary[:50]) for _ in range(self.rng.randint(1, 12)))
        return " ".join(self.rng.choice(self.vocabulary) for _ in range(self.rng.randint(300, 600)))

    def ask(self, user: int, kind: str) -> None:
        text = self.question_text()
        msg = self.api.private(user, text)
        self.record(kind, user, mid=msg["message_id"], text=text)

    def press(self, user: int, stolen: bool = False) -> bool:
        """Press the newest unpressed More button of the user's chat (a stranger: someone else's)."""
        chats = self.allowed if stolen else [user]
        chat = self.rng.choice(chats)
        with self.api.cond:
            for sent in reversed(self.api.messages(chat)):
                markup = sent.get("markup")
                if markup and (chat, sent["message_id"]) not in self.pressed:
                    data = markup["inline_keyboard"][0][0]["callback_data"]
                    if not stolen:
                        self.pressed.add((chat, sent["message_id"]))
                    query_id = self.api.press(user, sent, data=data)
                    self.record("stranger_press" if stolen else "press", user, chat=chat, mid=sent["message_id"],
                                query_id=query_id, data=data)
                    return True
        return False

    def inline(self, user: int, kind: str) -> None:
        text = self.question_text()[:200] or "news"
        query_id = self.api.inline(user, text)
        self.record(kind, user, query_id=query_id, text=text)

    def record(self, kind: str, user: int, **fields) -> None:
        with self.lock:
            self.actions.append({"kind": kind, "user": user, "chat": fields.pop("chat", user),
                                 "time": time.monotonic(), **fields})

    def act_allowed(self, user: int) -> None:
        r = self.rng.random()
        if r < 0.2 and self.press(user):
            return
        if r > 0.9:
            self.inline(user, "inline")
        else:
            self.ask(user, "question")

    def act_stranger(self, user: int) -> None:
        r = self.rng.random()
        if r < 0.3 and self.press(user, stolen=True):
            return
        if r > 0.7:
            self.inline(user, "stranger_inline")
        else:
            self.ask(user, "stranger_question")

    def schedule(self, start: float, seconds: float) -> list[tuple[float, str, int]]:
        """(time, who, user) for the whole run: each allowed user every 60/per_minute s (jittered, and
        never two actions closer than the rate limit allows), the hammer --hammer-rate a second, strangers."""
        events = []
        period = 60.0 / self.args.per_minute
        for user in self.allowed:
            t = start + self.rng.uniform(0, period)
            while t < start + seconds:
                events.append((t, "allowed", user))
                t += period * self.rng.uniform(0.8, 1.2)
        t = start + 1
        while t < start + seconds:
            events.append((t, "hammer", self.hammer))
            t += 1.0 / self.args.hammer_rate
        for user in self.strangers:
            t = start + self.rng.uniform(0, 8)
            while t < start + seconds:
                events.append((t, "stranger", user))
                t += self.rng.uniform(4, 12)
        return sorted(events)


FAULTS = [  # (weight, method, kind, times, value)
    (3, "sendMessage", 500, 1, None),
    (1, "sendMessage", 500, 2, None),
    (2, "sendMessage", 429, 1, "retry"),
    (2, "sendMessage", SLOW, 1, "slow"),
    (3, "sendMessage", DROP_BEFORE, 1, None),
    (3, "sendMessage", DROP_AFTER, 1, None),
    (1, "answerCallbackQuery", 500, 1, None),
    (1, "answerCallbackQuery", DROP_BEFORE, 1, None),
    (1, "answerInlineQuery", 500, 1, None),
    (1, "answerInlineQuery", DROP_BEFORE, 1, None),
    (1, "answerInlineQuery", SLOW, 1, "slow"),
]


def inject_faults(api: BotAPI, rng: random.Random, stop: threading.Event, every: float, log: list) -> None:
    weights = [f[0] for f in FAULTS]
    while not stop.wait(rng.uniform(0.5, 1.5) * every):
        _, method, kind, times, value = rng.choices(FAULTS, weights)[0]
        extra = rng.choice([1, 2]) if value == "retry" else round(rng.uniform(0.2, 0.6), 2) if value == "slow" else None
        api.fail(method, kind, times=times, retry_after=extra)
        log.append({"time": time.monotonic(), "method": method, "kind": str(kind), "times": times, "value": extra})


# -- the accounting --------------------------------------------------------------------------------------
def overlap(a: float, b: float, windows: list[tuple[float, float]]) -> float:
    """Seconds of [a, b] inside the union of `windows`."""
    total, cursor = 0.0, a
    for start, end in sorted(windows):
        start, end = max(start, cursor), min(end, b)
        if end > start:
            total += end - start
            cursor = end
    return total


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


def corpus_fragments(corpus: Path) -> list[str]:
    """Pieces of the articles' text long enough that seeing one in a message means the corpus leaked."""
    pieces = []
    for path in corpus.rglob("*"):
        if path.is_file():
            for sentence in re.split(r"(?<=[.!?])\s+|\n+", path.read_text(errors="replace")):
                words = sentence.split()
                for i in range(0, max(1, len(words) - 5), 6):
                    piece = " ".join(words[i:i + 6])
                    if len(piece) >= 25:
                        pieces.append(piece)
    return pieces


def account(api: BotAPI, load: Load, windows: list[tuple[float, float]], corpus: Path) -> dict:
    with api.cond:
        sent = list(api.sent)
        calls = list(api.calls)
        dropped_after = {(m["chat_id"], m["message_id"]) for m in api.dropped_after}
    by_reply: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for m in sent:
        if m["reply_to"] is not None:
            by_reply[(m["chat_id"], int(m["reply_to"]))].append(m)

    def duplicates(messages: list[dict]) -> tuple[int, int]:
        """(unexplained, explained) extra copies among the replies to one message."""
        unexplained = explained = 0
        for html, copies in _group(messages, lambda m: m["html"]).items():
            if len(copies) > 1:
                extra = len(copies) - 1
                dropped = sum((m["chat_id"], m["message_id"]) in dropped_after for m in copies)
                explained_here = min(extra, dropped)
                explained += explained_here
                unexplained += extra - explained_here
        return unexplained, explained

    stats = Counter()
    latencies, lost, dup_unexplained = [], [], []
    # A copy of a message duplicated by a drop after the send carries the same More button (one key):
    # pressing the second copy after the first finds the key used ("expired").  Counted apart.
    with api.cond:
        duplicated_keys = {(m["chat_id"], m["markup_data"]) for m in api.dropped_after if m.get("markup_data")}
    pressed_before: set[tuple[int, str]] = set()
    for a in load.actions:
        if a["kind"] == "press":
            a["duplicate_button"] = (a["chat"], a["data"]) in pressed_before and (a["chat"], a["data"]) in duplicated_keys
            pressed_before.add((a["chat"], a["data"]))
    for a in load.actions:
        if a["kind"] not in ("question", "press", "hammer"):
            continue
        replies = [m for m in by_reply.get((a["chat"], a["mid"]), []) if m["time"] >= a["time"]]
        kind = a["kind"]
        stats[f"{kind} asked"] += 1
        if kind == "hammer":
            if any(m["text"] == SLOW_DOWN for m in replies):
                stats["hammer slowed"] += 1
            elif replies:
                stats["hammer answered"] += 1
            continue
        if not replies:
            if kind == "press" and a.get("duplicate_button"):
                stats["presses on the copy of a duplicated message (expired)"] += 1
            else:
                lost.append(a)
            continue
        stats[f"{kind} answered"] += 1
        first = min(m["time"] for m in replies)
        raw = first - a["time"]
        latencies.append(raw - overlap(a["time"], first, windows))
        unexplained, explained = duplicates(replies)
        stats["duplicated (explained by a drop after the send)"] += explained
        if unexplained:
            dup_unexplained.append({**a, "copies": len(replies)})
        stats["duplicated (unexplained)"] += unexplained

    inline_answers = defaultdict(list)
    callback_answers = defaultdict(list)
    for c in calls:
        if c["method"] == "answerInlineQuery" and c["status"] == 200:
            inline_answers[c["params"].get("inline_query_id")].append(c)
        if c["method"] == "answerCallbackQuery" and c["status"] == 200:
            callback_answers[c["params"].get("callback_query_id")].append(c)
    for a in load.actions:
        if a["kind"] == "inline":
            stats["inline queries asked"] += 1
            if inline_answers.get(a["query_id"]):
                stats["inline queries answered"] += 1
            else:
                lost.append(a)

    # Strangers: the one refusal, never anything from the corpus.
    strangers = set(load.strangers)
    fragments = corpus_fragments(corpus)
    stranger_texts = [m["text"] for m in sent if m["chat_id"] in strangers]
    for a in load.actions:
        if a["kind"] == "stranger_press":
            stranger_texts += [c["params"].get("text") or "" for c in callback_answers.get(a["query_id"], [])]
            # the stolen button's owner got nothing because of it
        if a["kind"] == "stranger_inline":
            for c in inline_answers.get(a["query_id"], []):
                stranger_texts += [json.dumps(r) for r in c["params"].get("results") or []]
    leaks = [t for t in stranger_texts if any(f in t for f in fragments)]
    stats["other replies to strangers"] = sum(t != REFUSAL for t in stranger_texts)
    stats["stranger actions"] = sum(a["kind"].startswith("stranger") for a in load.actions)
    stats["refusals to strangers"] = sum(t == REFUSAL for t in stranger_texts)
    stats["rate-limit replies"] = sum(m["text"] == SLOW_DOWN for m in sent) + sum(
        c["params"].get("text") == SLOW_DOWN for cs in callback_answers.values() for c in cs)
    stats["apologies"] = sum(m["text"] == APOLOGY for m in sent)
    stats["expired buttons"] = sum(c["params"].get("text") == MORE_EXPIRED for cs in callback_answers.values()
                                   for c in cs)
    stats["drops after send"] = len(dropped_after)
    injected = Counter(f"{c['method']} {c['error'] if c['status'] == 200 else c['status']}" for c in calls
                       if (c["error"] or "").startswith("injected"))
    return {"stats": dict(stats), "latencies": latencies, "lost": lost, "unexplained_duplicates": dup_unexplained,
            "leaks": leaks, "injected": dict(injected)}


def _group(items, key):
    out = defaultdict(list)
    for item in items:
        out[key(item)].append(item)
    return out


# -- the run -------------------------------------------------------------------------------------------------
def soak(args) -> dict:
    rng = random.Random(args.seed)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="quotebot-soak-"))
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(args.corpus, corpus)
    vocabulary = sorted({w.strip(".,;:\"'()").lower() for p in corpus.rglob("*") if p.is_file()
                         for w in p.read_text(errors="replace").split() if w.isalpha() and len(w) > 3})
    with BotAPI(token=args.token) as api:
        load = Load(api, rng, args, vocabulary)
        env = {"QUOTEBOT_LOG_LEVEL": args.log_level, "QUOTEBOT_RATE_LIMIT": str(args.rate_limit)}
        if args.allowlist:
            env["TELEGRAM_ALLOWED_USERS"] = ",".join(map(str, load.allowed + [load.hammer]))
        processes = [BotProcess(api, corpus, index, out_dir / f"soak-bot-{args.tag}-1.log", env)]
        processes[0].wait_ready()
        start = time.monotonic()
        windows: list[tuple[float, float]] = []
        faults: list[dict] = []
        stop_faults = threading.Event()
        injector = threading.Thread(target=inject_faults, args=(api, rng, stop_faults, args.fault_every, faults),
                                    daemon=True)
        injector.start()
        restart_at = start + args.seconds * args.restart_at if args.restart_at > 0 else None
        restart_info = {}
        next_sample = start
        print(f"soak: {args.seconds:.0f} s, {args.users} allowed users at {args.per_minute}/min, hammer, "
              f"{len(load.strangers)} strangers; logs in {out_dir}", file=sys.stderr)
        for when, who, user in load.schedule(start, args.seconds):
            while True:
                now = time.monotonic()
                if now >= next_sample:
                    processes[-1].sample()
                    next_sample = now + args.sample_every
                if restart_at is not None and now >= restart_at:
                    restart_at = None
                    down = time.monotonic()
                    processes[-1].sample()
                    rc = processes[-1].stop()
                    processes.append(BotProcess(api, corpus, index, out_dir / f"soak-bot-{args.tag}-2.log", env))
                    up = processes[-1].wait_ready()
                    windows.append((down, up + 0.5))
                    restart_info = {"exit code": rc, "downtime s": round(up - down, 2)}
                    continue
                if now >= when:
                    break
                time.sleep(min(0.05, when - now))
            if who == "allowed":
                load.act_allowed(user)
            elif who == "hammer":
                load.ask(user, "hammer")
            else:
                load.act_stranger(user)
        stop_faults.set()
        injector.join()
        # 429 windows: the bot was asked to wait this long after each injected 429.
        with api.cond:
            windows += [(t, t + wait + 0.2) for t, wait in api.retry_waits]
        # Drain: wait for every steady question, press and inline query to be answered (or give up).
        drain_deadline = time.monotonic() + args.drain
        while time.monotonic() < drain_deadline:
            if not account(api, load, windows, corpus)["lost"]:
                break
            time.sleep(1)
        processes[-1].sample()
        elapsed = time.monotonic() - start
        final_rc = processes[-1].stop()
        result = account(api, load, windows, corpus)
    shutil.rmtree(work, ignore_errors=True)

    logs = "".join(p.log.read_text(errors="replace") + p.log.with_suffix(".out").read_text(errors="replace")
                   for p in processes)
    memory = []
    for i, p in enumerate(processes, 1):
        warm = [v for t, v in p.rss if t >= min(args.warmup, (p.rss[-1][0] if p.rss else 0) / 2)]
        if len(warm) >= 2:
            memory.append({"process": i, "rss start MB": round(warm[0] / 2**20, 1),
                           "rss end MB": round(warm[-1] / 2**20, 1),
                           "growth %": round(100 * (warm[-1] - warm[0]) / warm[0], 1),
                           "samples": [(round(t, 1), round(v / 2**20, 1)) for t, v in p.rss]})
    lat = result["latencies"]
    stats = result["stats"]
    report = {
        "seconds": round(elapsed, 1), "seed": args.seed, "users": args.users, "per_minute": args.per_minute,
        "allowlist": args.allowlist, "questions asked": stats.get("question asked", 0),
        "questions answered": stats.get("question answered", 0),
        "presses": stats.get("press asked", 0), "presses answered": stats.get("press answered", 0),
        "inline queries": stats.get("inline queries asked", 0),
        "inline answered": stats.get("inline queries answered", 0),
        "lost": len(result["lost"]),
        "duplicated (unexplained)": stats.get("duplicated (unexplained)", 0),
        "duplicated (explained: dropped after send)": stats.get("duplicated (explained by a drop after the send)", 0),
        "presses on a duplicated copy (expired)": stats.get("presses on the copy of a duplicated message (expired)", 0),
        "p50 latency s": round(percentile(lat, 50), 3) if lat else None,
        "p99 latency s": round(percentile(lat, 99), 3) if lat else None,
        "max latency s": round(max(lat), 3) if lat else None,
        "memory": memory,
        "memory growth % (max)": max((m["growth %"] for m in memory), default=None),
        "hammer asked": stats.get("hammer asked", 0), "hammer answered": stats.get("hammer answered", 0),
        "hammer told to slow down": stats.get("hammer slowed", 0),
        "rate-limit replies": stats.get("rate-limit replies", 0),
        "stranger actions": stats.get("stranger actions", 0),
        "refusals to strangers": stats.get("refusals to strangers", 0),  # messages and button answers
        "corpus text reached a stranger": bool(result["leaks"]), "leaks": result["leaks"][:10],
        "replies to strangers other than the refusal": stats.get("other replies to strangers", 0),
        "apologies": stats.get("apologies", 0), "expired buttons": stats.get("expired buttons", 0),
        "faults injected": len(faults), "faults fired": result["injected"], "restart": restart_info,
        "final exit code": final_rc, "token in logs": args.token in logs or args.token.split(":")[1] in logs,
        "tracebacks in logs": logs.count("Traceback"),
        "lost detail": [{k: v for k, v in a.items() if k != "time"} for a in result["lost"][:20]],
        "unexplained duplicates detail": [{k: v for k, v in a.items() if k != "time"}
                                          for a in result["unexplained_duplicates"][:20]],
    }
    report["targets met"] = {
        "none lost": report["lost"] == 0,
        "no unexplained duplicates": report["duplicated (unexplained)"] == 0,
        "memory growth < 10%": report["memory growth % (max)"] is not None and report["memory growth % (max)"] < 10,
        "p99 < 1 s": report["p99 latency s"] is not None and report["p99 latency s"] < 1.0,
        "allowlist held": not report["corpus text reached a stranger"],
    }
    path = out_dir / f"soak-{args.tag}.json"
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print_table(report)
    print(f"JSON: {path}", file=sys.stderr)
    return report


def print_table(r: dict) -> None:
    rows = [("run seconds", r["seconds"]), ("questions asked", r["questions asked"]),
            ("questions answered", r["questions answered"]),
            ("More presses / answered", f"{r['presses']} / {r['presses answered']}"),
            ("inline queries / answered", f"{r['inline queries']} / {r['inline answered']}"),
            ("lost", r["lost"]), ("duplicated (unexplained)", r["duplicated (unexplained)"]),
            ("duplicated (dropped after send)", r["duplicated (explained: dropped after send)"]),
            ("More pressed on such a copy (expired)", r["presses on a duplicated copy (expired)"]),
            ("p50 reply latency s", r["p50 latency s"]), ("p99 reply latency s", r["p99 latency s"]),
            ("max reply latency s", r["max latency s"])]
    for m in r["memory"]:
        rows.append((f"RSS process {m['process']} start→end MB", f"{m['rss start MB']} → {m['rss end MB']} "
                                                                f"({m['growth %']:+.1f} %)"))
    rows += [("hammer asked / answered / slowed", f"{r['hammer asked']} / {r['hammer answered']} / "
                                                 f"{r['hammer told to slow down']}"),
             ("rate-limit replies", r["rate-limit replies"]),
             ("stranger actions / refusals", f"{r['stranger actions']} / {r['refusals to strangers']}"),
             ("corpus text reached a stranger", r["corpus text reached a stranger"]),
             ("other replies to strangers", r["replies to strangers other than the refusal"]),
             ("apologies sent", r["apologies"]), ("faults injected", r["faults injected"]),
             ("restart", r["restart"]), ("token in logs", r["token in logs"]),
             ("tracebacks in logs", r["tracebacks in logs"])]
    rows += [(f"target: {k}", "yes" if v else "NO") for k, v in r["targets met"].items()]
    width = max(len(k) for k, _ in rows)
    print(f"| {'measure'.ljust(width)} | value |\n| {'-' * width} | --- |")
    for k, v in rows:
        print(f"| {k.ljust(width)} | {v} |")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=600)
    p.add_argument("--users", type=int, default=20, help="allowed users asking at a steady pace")
    p.add_argument("--per-minute", type=float, default=10, help="actions a minute per allowed user")
    p.add_argument("--hammer-rate", type=float, default=2, help="questions a second from the allowed user "
                   "who ignores the rate limit")
    p.add_argument("--strangers", type=int, default=4, help="users not in the allowlist")
    p.add_argument("--allowlist", action=argparse.BooleanOptionalAction, default=True,
                   help="set TELEGRAM_ALLOWED_USERS to the allowed users (default) so strangers are refused")
    p.add_argument("--rate-limit", type=int, default=20, help="QUOTEBOT_RATE_LIMIT for the bot")
    p.add_argument("--fault-every", type=float, default=4.0, help="mean seconds between injected faults")
    p.add_argument("--restart-at", type=float, default=0.5, help="restart the bot at this fraction (0: never)")
    p.add_argument("--warmup", type=float, default=30, help="seconds of a process's life before its start RSS")
    p.add_argument("--sample-every", type=float, default=5, help="seconds between RSS samples")
    p.add_argument("--drain", type=float, default=30, help="seconds to wait for the last replies")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--corpus", type=Path, default=SEEDS)
    p.add_argument("--token", default=TOKEN)
    p.add_argument("--log-level", default="INFO")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "out"))
    p.add_argument("--tag", default=None, help="file name part (default: the seconds)")
    args = p.parse_args(argv)
    args.tag = args.tag or f"{args.seconds:.0f}s"
    return args


def main(argv=None) -> int:
    report = soak(parse_args(argv))
    return 0 if all(report["targets met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
