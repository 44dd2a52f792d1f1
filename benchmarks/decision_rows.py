"""Dump the no-answer decision's signals for every question of an eval run, to study the decision.

    python benchmarks/decision_rows.py ../shared/data/news-qa --out rows.jsonl [--form text]
    python benchmarks/decision_rows.py ../shared/data/squad/dev-v1.1.json --off-corpus 0.5 \
        --distractors ../shared/data/squad/train-half-a.json --out rows.jsonl

The corpus is built as `quotebot eval` builds it (same plan, same seed).  Each line: the question,
whether it has an answer (and news-qa's topic), `decision.answer_signals` of its best sentence (null
when a fixed rule refuses it), the shipped model's confidence, whether a topic request would be
answered by its rule, and the rank of the first right passage when the answer is given whatever the
model says (so another model's answered / refused shares and R@1 can be worked out from the file).
Nothing here is fitted.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import text  # noqa: E402
from bot.answer import decision  # noqa: E402
from bot.answer.analysis import MAX_QUESTION_CHARS  # noqa: E402
from bot.answer.answerer import Answerer  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.eval import plans  # noqa: E402
from bot.eval.metrics import first_right  # noqa: E402
from bot.index.build import build  # noqa: E402
from bot.index.updates import open_index  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--off-corpus", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--form", default="html")
    parser.add_argument("--distractors", type=Path, action="append", default=[])
    args = parser.parse_args()
    settings = Settings.from_env()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="quotebot-rows-") as tmp:
        tmp_dir = Path(tmp)
        plan = plans.plan_for(args.file, settings, tmp_dir / "corpus", args.off_corpus, rng, form=args.form,
                              distractors=args.distractors)
        run_settings = replace(settings, corpus_dir=plan.corpus_dir, index_dir=tmp_dir / "index")
        build(run_settings)
        answerer = Answerer(open_index(run_settings), run_settings.answering)
        shipped = decision.threshold
        with args.out.open("w", encoding="utf-8") as out:
            for case in plan.cases:
                question = case.question
                terms, _ = answerer.analyze(question)
                c = answerer.ranker.candidates(terms, question[:MAX_QUESTION_CHARS])
                signals, topic_rule = None, False
                if c is not None:
                    order, linear = answerer.ranker.order(c)
                    signals = decision.answer_signals(terms, question[:MAX_QUESTION_CHARS], c, order, linear[order])
                    if text.is_topic_request(question):
                        topic_rule = bool(decision.about_topic(terms, c)[order].any())
                # the answer as given when the model says yes (the threshold out of the way)
                decision.threshold = lambda: -1.0
                try:
                    answer = answerer.answer(question)
                finally:
                    decision.threshold = shipped
                ranked = answer.page(0).passages if answer.found else ()
                rank = first_right(case, [(p.source.path, p.start, p.end, p.quote, p.sentence) for p in ranked])
                out.write(json.dumps({"question": question, "answerable": case.answerable, "topic": case.topic,
                                      "signals": signals, "confidence": answer.confidence,
                                      "topic_rule": topic_rule, "rank": rank, "size": plan.articles}) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
