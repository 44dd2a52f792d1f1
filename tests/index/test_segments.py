"""An index kept up by segments answers exactly as a fresh build of the same folder does, after any
sequence of added, edited and deleted files (copies of one story among them) and merges."""

from __future__ import annotations

import random
import shutil

import pytest

from bot.config import Settings
from bot.index import build as index_build
from bot.index import format as index_format
from bot.index import combined as index_combined
from bot.index import updates as index_updates
from bot.index.combined import CombinedIndex
from tests.support.answers import answers
from tests.support.paths import SEEDS

# Paragraphs to make articles of: the seeds' (real reporting) and a few of our own, so words are
# shared between articles and their document frequencies move as files come and go.
OWN = [
    "The council approved the budget for the new bridge on Tuesday, officials said.",
    "Residents of the valley were moved to higher ground after the river rose two metres overnight.",
    "Doctors at the city hospital said prices for energy had doubled since the winter.",
    "Police closed the road to the station while the storm passed, the minister said.",
    "Kim Jong Un will meet the president in Hanoi next week, according to the report.",
    "The market reopened after the court ruled that the plan could go ahead.",
]
QUESTIONS = ["Who approved the budget for the bridge?", "What happened to the river?", "energy prices hospital",
             "When will Kim meet the president?", "Tell me about sanctions", "What did the court rule?",
             "defectors testimony report", "hospitl", "capital of France", "North Korea nuclear weapons",
             "What does Washington want?", "storm station road"]


def _paragraphs() -> list[str]:
    found = list(OWN)
    for path in sorted(SEEDS.iterdir()):
        text = path.read_text(encoding="utf-8")
        found += [p.strip() for p in text.split("\n\n") if len(p.strip()) > 80]
    return found


def _article(rng: random.Random, pool: list[str], k: int) -> str:
    body = rng.sample(pool, min(len(pool), rng.randrange(2, 6)))
    return f"Story number {k}\n\n" + "\n\n".join(body) + "\n"


def _built_folder(tmp_path, rng: random.Random, pool: list[str], count: int, name: str = "a{:02d}.txt") -> Settings:
    """A corpus folder of `count` articles drawn from `pool` (file names from `name`), its index built."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for k in range(count):
        (corpus / name.format(k)).write_text(_article(rng, pool, k), encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    index_build.build(settings)
    return settings


def _fresh_answers(folder, tmp_path, name: str) -> list[dict]:
    settings = Settings(corpus_dir=folder, index_dir=tmp_path / f"fresh-{name}")
    index, _ = index_build.build(settings)
    return answers(index, settings, QUESTIONS)


@pytest.mark.parametrize("seed, dead_by_text", [(1, 2000), (2, 2000), (3, 0), (4, 0)])
def test_after_adds_edits_deletes_and_merges_answers_are_a_fresh_builds(tmp_path, monkeypatch, seed, dead_by_text):
    # (dead sentences' terms counted from their text, or from the postings: both ways are checked)
    monkeypatch.setattr(index_combined, "DEAD_BY_TEXT", dead_by_text)
    monkeypatch.setattr(index_updates, "MERGE_FACTOR", 2)  # merges happen within the run
    monkeypatch.setattr(index_updates, "SMALLEST_TIER", 20)
    rng = random.Random(seed)
    pool = _paragraphs()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    texts: dict[str, str] = {}
    for k in range(6):
        texts[f"a{k:02d}.txt"] = _article(rng, pool, k)
    texts["z-copy.txt"] = texts["a01.txt"]  # a copy of a story, in a file that sorts after it
    for name, text in texts.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    index_build.build(settings)
    loaded = (index_format.current_name(settings.index_dir), index_format.load(settings.index_dir)[0])
    combined_seen = False
    merges = 0
    for step in range(8):
        op = rng.choice(["add", "add", "edit", "delete", "copy", "sidecar"])
        names = sorted(p.name for p in corpus.iterdir() if p.suffix == ".txt")
        if op == "add" or len(names) < 3:
            for _ in range(rng.randrange(1, 3)):
                k = rng.randrange(100, 1000)
                (corpus / f"{rng.choice('abmz')}{k}.txt").write_text(_article(rng, pool, k), encoding="utf-8")
        elif op == "edit":
            path = corpus / rng.choice(names)
            path.write_text(path.read_text(encoding="utf-8") + "\nThe council met again on Friday.\n", encoding="utf-8")
        elif op == "delete":
            (corpus / rng.choice(names)).unlink()
        elif op == "copy":  # a copy that sorts before its original: the original becomes the copy
            source = corpus / rng.choice(names)
            (corpus / f"0{source.name}").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        else:
            path = corpus / rng.choice(names)
            path.with_suffix(".json").write_text('{"publisher": "Valley Wire", "title": "Sidecar title"}')
        index, report = index_updates.update(settings, loaded=loaded)  # as a running bot does
        loaded = (report.current, index)
        if step % 2:
            merged = index_updates.merge_due(settings, loaded)
            if merged is not None:
                index, loaded, merges = merged[0], (merged[1].current, merged[0]), merges + 1
        combined_seen |= isinstance(index, CombinedIndex) and len(index.parts) > 1
        assert answers(index, settings, QUESTIONS) == _fresh_answers(corpus, tmp_path, f"{seed}-{step}"), (step, op)
        assert [index.title(a) for a in range(index.article_slots)] == \
            [index.source(a).title for a in range(index.article_slots)]
        again, _ = index_format.load(settings.index_dir)  # what a restarted bot loads
        assert answers(again, settings, QUESTIONS) == answers(index, settings, QUESTIONS)
    assert combined_seen and merges


def test_copies_across_segments_are_folded_as_a_fresh_build_folds_them(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copytree(SEEDS, corpus / "seeds")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    index_build.build(settings)
    original = sorted((corpus / "seeds").iterdir())[0]
    (corpus / "a-copy.txt").write_bytes(original.read_bytes())  # sorts first: it is kept, the seed folded
    index = index_updates.open_index(settings)
    assert isinstance(index, CombinedIndex) and len(index.parts) == 2
    kept = index.article_number("a-copy.txt")
    assert kept is not None and index.article_number(original.relative_to(corpus).as_posix()) is None
    assert [s.path for s in index.also(kept)] == [original.relative_to(corpus).as_posix()]
    (corpus / "a-copy.txt").unlink()
    index = index_updates.open_index(settings)
    assert index.article_number(original.relative_to(corpus).as_posix()) is not None and not index.also(
        index.article_number(original.relative_to(corpus).as_posix()))


def test_files_changed_while_a_merge_runs_are_not_lost(tmp_path, monkeypatch):
    """The merge writes its segment without the lock; an update commits meanwhile (a file of the merged
    segments deleted, one edited, a copy of one added): the merge's commit keeps all of that."""
    monkeypatch.setattr(index_updates, "MERGE_FACTOR", 2)
    monkeypatch.setattr(index_updates, "SMALLEST_TIER", 10_000)
    rng = random.Random(9)
    pool = _paragraphs()
    settings = _built_folder(tmp_path, rng, pool, 4, name="a{}.txt")
    corpus = settings.corpus_dir
    (corpus / "b0.txt").write_text(_article(rng, pool, 10), encoding="utf-8")
    index, report = index_updates.update(settings)
    assert report.segments == 2 and index_updates.to_merge(index.parts) == [0, 1]
    real = index_format.write_segment

    def meanwhile(*args, aside=False, **kwargs):
        written = real(*args, aside=aside, **kwargs)
        if aside:  # the merge has read its segments: now the folder changes and an update commits
            (corpus / "a1.txt").unlink()
            (corpus / "b0.txt").write_text(_article(rng, pool, 11), encoding="utf-8")
            (corpus / "0-copy.txt").write_text((corpus / "a2.txt").read_text(encoding="utf-8"), encoding="utf-8")
            index_updates.update(settings)
        return written

    monkeypatch.setattr(index_format, "write_segment", meanwhile)
    index, report = index_updates.merge_due(settings, (report.current, index))
    assert report.merged and report.segments == 2  # the merged one and the update's
    assert answers(index, settings, QUESTIONS) == _fresh_answers(corpus, tmp_path, "merge")
    again, _ = index_format.load(settings.index_dir)
    assert answers(again, settings, QUESTIONS) == answers(index, settings, QUESTIONS)


def test_files_touched_or_copied_with_the_same_text_are_not_read_again(tmp_path):
    """A copy of the folder, `touch`, a hard link: each file's state changes, its bytes do not: nothing
    is read or indexed again, and the next look finds nothing to do."""
    import os

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    index_build.build(settings)
    before = answers(index_format.load(settings.index_dir)[0], settings, QUESTIONS)
    for path in sorted(corpus.iterdir()):
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    os.link(sorted(corpus.iterdir())[0], tmp_path / "a-link.txt")
    index, report = index_updates.update(settings)
    assert report.added == () and report.removed == () and report.segments == 1
    assert answers(index, settings, QUESTIONS) == before
    again, report = index_updates.update(settings)
    assert report.current == index_format.current_name(settings.index_dir) and report.added == ()
    path = sorted(corpus.iterdir())[1]
    path.write_text(path.read_text(encoding="utf-8") + "\nThe council met again on Friday.\n", encoding="utf-8")
    _, report = index_updates.update(settings)
    assert report.added == (path.name,)
