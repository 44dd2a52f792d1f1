"""quotebot's answers on news-qa (70 real news pages, 310 questions), through `ask --json`, scored by the
set's own rule: an answerable question is right at rank k when the k-th quoted sentence holds the answer
(whitespace-collapsed, case-insensitive) and comes from the question's page; an unanswerable one when
the bot says it found nothing.

    python benchmarks/newsqa_answers.py ../shared/data/news-qa [--form html|text] [--index /tmp/newsqa-index]

--form text: each page rendered as whole-page text (html_text.extract_text, defaults; the `bench`
extra) into NAME.txt, as a scraper writes it, so a passage's file still names its page.
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("news_qa", type=Path)
    ap.add_argument("--index", type=Path, help="index folder (default: a temporary one)")
    ap.add_argument("--form", choices=("html", "text"), default="html", help="the pages as saved, or as whole-page text")
    args = ap.parse_args()
    questions = [json.loads(line) for line in open(args.news_qa / "questions.jsonl", encoding="utf-8")]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "pages"
        if args.form == "html":
            shutil.copytree(args.news_qa / "pages", corpus)
        else:
            import html_text
            from trafilatura.utils import decode_file

            corpus.mkdir()
            for page in sorted((args.news_qa / "pages").iterdir()):
                text = html_text.extract_text(decode_file(page.read_bytes()))
                (corpus / page.with_suffix(".txt").name).write_text(text, encoding="utf-8")
        index = args.index or Path(tmp) / "index"
        asked = "\n".join(" ".join(q["question"].split()) for q in questions) + "\n"
        done = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "-k", "10", "--corpus", str(corpus),
                               "--index", str(index)], input=asked, capture_output=True, text=True, cwd=ROOT, check=True)
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    fold = lambda s: " ".join(s.split()).lower()  # noqa: E731
    right = {1: 0, 3: 0}
    answerable = answered = 0
    refused = {"unrelated": [0, 0], "on": [0, 0]}
    for q, a in zip(questions, answers, strict=True):
        if q.get("file"):
            answerable += 1
            answered += a["found"]
            ranks = [i for i, p in enumerate(a["passages"])
                     if Path(p["source"]["path"]).stem == Path(q["file"]).stem and fold(q["answer"]) in fold(p["sentence"])]
            for k in right:
                right[k] += bool(ranks) and ranks[0] < k
        else:
            refused[q["topic"]][0] += not a["found"]
            refused[q["topic"]][1] += 1
    print(f"answerable {answerable}: R@1 {right[1] / answerable:.3f}  R@3 {right[3] / answerable:.3f}  "
          f"answered {answered / answerable:.1%}")
    for topic, (n_refused, n) in refused.items():
        print(f"unanswerable, {topic}: {n}, refused {n_refused / n:.1%}")


if __name__ == "__main__":
    main()
