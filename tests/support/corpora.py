"""Article folders written by tests: one file at a time, or a generated corpus with copies of stories."""

from __future__ import annotations

import random
from pathlib import Path

# A body that the line rules keep whole: two paragraphs of plain reporting.
BODY = (
    "Residents were moved to higher ground on Tuesday after the river rose two metres overnight. "
    "Officials said the water was expected to fall by the weekend.\n\n"
    "Schools in the valley will stay closed until Monday, the council said.\n"
)


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def generated_corpus(root: Path, n: int = 300) -> None:
    """`n` articles in seven folders (more than load_corpus reads in one process): about one in
    five a copy of an earlier story (half of them with one word changed), one in eleven in cp1252,
    one in thirteen with a sidecar (half of them broken), and one empty file."""
    rng = random.Random(7)
    words = ("river council water school road bridge officials residents valley storm rain week "
             "minister budget plan hospital doctors market prices energy station police court").split()
    stories = []
    for k in range(n):
        if stories and rng.random() < 0.2:  # a copy of an earlier story, maybe lightly edited
            body = list(rng.choice(stories))
            if rng.random() < 0.5:
                body[rng.randrange(len(body))] = rng.choice(words)
        else:
            body = [rng.choice(words) for _ in range(rng.randrange(30, 120))]
            stories.append(body)
        sentences = [" ".join(body[i:i + 12]).capitalize() + "." for i in range(0, len(body), 12)]
        text = f"Story {k}\n\nBy Ann Lee\n\n" + "\n\n".join(sentences) + "\n\nAdvertisement\n"
        name = f"d{k % 7}/a{k:04d}.txt"
        data = text.encode("utf-8") if k % 11 else text.replace("Story", "Störy").encode("cp1252")
        write(root, name, data)
        if k % 13 == 0:
            (root / name).with_suffix(".json").write_text("{broken" if k % 26 else '{"title": "Sidecar"}')
    (root / "empty.txt").write_bytes(b"")
