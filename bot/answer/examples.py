"""Example questions drawn from the index itself, so every corpus suggests its own."""

from __future__ import annotations

import re
from collections import Counter

from bot import text
from bot.index.sentences import SentenceIndex

# Runs of capitalised words inside a sentence (not its first word): names of people, places, bodies.
NAME = re.compile(r"(?<=[a-z,;] )((?:[A-Z][\w'’-]+ ){0,3}[A-Z][\w'’-]+)")
TEMPLATES = ("What do the articles say about {}?", "What happened to {}?", "Who or what is {}?")
SCAN_LIMIT = 20_000  # sentences looked at: enough for variety, quick on a million-sentence index


def example_questions(index: SentenceIndex, n: int = 3) -> list[str]:
    counts: Counter[str] = Counter()
    in_order = index.sentences_in_order()
    step = max(1, len(in_order) // SCAN_LIMIT)
    for s in in_order[::step].tolist():
        if index.kind(int(index.sent_para[s])) != "body":
            continue
        for name in NAME.findall(index.sentence_text(s)):
            name = re.sub(r"['’]s$", "", name)
            if len(text.terms(name)) >= 2:
                counts[name] += 1
    picked: list[str] = []
    for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if any(name in p or p in name for p in picked):
            continue
        picked.append(name)
        if len(picked) == n:
            break
    if not picked and index.sentence_count:
        picked = [" ".join(w.surface for w in text.words(index.sentence_text(int(in_order[0])))[:3])]
    return [TEMPLATES[i % len(TEMPLATES)].format(name) for i, name in enumerate(picked)]
