"""Property-based: any folder of files (arbitrary bytes, mixed encodings, BOMs, CRLF, empty files,
deep nesting, symlink loops, special files, files vanishing mid-build) is indexed: the build
finishes, names each file it skipped and why, and indexes every readable article."""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bot import text
from bot.corpus import load as corpus_load
from bot.corpus.folder import corpus_files, relative_path
from bot.corpus.load import load_corpus
from bot.index import format as index_format
from bot.index.build import build
from bot.answer.answerer import Answerer
from bot.config import Settings
from bot.errors import QuotebotError

FUZZ = settings(deadline=None, max_examples=12, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.data_too_large])

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]
SUFFIXES = [".txt", ".md", ".html", ".htm"]
VOWELS, CONSONANTS = "aeiou", "bdfgklmnprstvz"


def marker(i: int, salt: int) -> str:
    """A made-up word found in no other article (and not changed much by the stemmer)."""
    rng = random.Random(i * 7919 + salt)
    return "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(4)) + "x"


def article_text(i: int, salt: int, noise: str, crlf: bool, suffix: str) -> tuple[str, str]:
    m = marker(i, salt)
    rng = random.Random(i + 31 * salt)
    nouns = ["council", "harbour", "library", "museum", "railway", "orchard", "factory", "stadium",
             "hospital", "bridge", "market", "airport", "village", "river", "school", "festival"]
    a, b, c = rng.sample(nouns, 3)
    body = (f"The {a} committee approved the {m} plan on Tuesday after a long debate. "
            f"Officials said the {b} near the {m} site would reopen in {2000 + i} with new funding. "
            f"Residents of the {c} district welcomed the decision about {m}.")
    title = f"Report {i}: {a} and {b}"
    if suffix in (".html", ".htm"):
        text = (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
                f"<p>{body}</p><p>{_html_escape(noise)}</p></article></body></html>")
    else:
        text = f"{title}\n\n{body}\n\n{noise}\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    return text, m


def _html_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


noise_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)
readable = st.tuples(st.sampled_from(ENCODINGS), st.booleans(), st.sampled_from(SUFFIXES), noise_text,
                     st.integers(0, 6))
junk = st.one_of(
    st.binary(max_size=3000),
    st.just(b""),
    st.just(b"\xef\xbb\xbf"),  # a BOM and nothing else
    st.just(b"\r\n\r\n   \t\r\n"),
    st.just(b"\xff\xfe"),
    st.just(b"\xff\xfe\x00\xd8"),  # UTF-16 BOM then a lone surrogate
    st.binary(min_size=1, max_size=200).map(lambda b: b"\xfe\xff" + b),
    st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.just("<html><body><script>x()</script></body></html>".encode()),
)
names = st.text(st.characters(codec="utf-8", exclude_characters="/\x00", exclude_categories=("Cs",)),
                min_size=1, max_size=12)


def _write_tree(root: Path, readables, junks, depth: int, salt: int, bad_name: bool) -> dict[str, str]:
    """Files under root; returns {rel path: marker} for the readable articles."""
    expected: dict[str, str] = {}
    deep = root
    for level in range(depth):
        deep = deep / f"d{level}"
    deep.mkdir(parents=True, exist_ok=True)
    for i, (enc, crlf, suffix, noise, where) in enumerate(readables):
        text, m = article_text(i, salt, noise, crlf, suffix)
        folder = deep if where == 0 else root
        path = folder / f"art{i}{suffix}"
        path.write_bytes(text.encode(enc, errors="ignore") if enc in ("cp1252", "latin-1") else text.encode(enc))
        expected[path.relative_to(root).as_posix()] = m
    for j, (name, data) in enumerate(junks):
        safe = "".join(ch for ch in name if ch not in "/\\") or "x"
        if safe.startswith("."):
            safe = "_" + safe
        path = root / f"junk{j}_{safe}.txt"
        try:
            path.write_bytes(data)
        except OSError:  # a name the file system refuses (too long, ...)
            (root / f"junk{j}.txt").write_bytes(data)
    if bad_name:  # a file name that is not valid UTF-8
        with open(os.path.join(os.fsencode(root), b"latin1-\xe9t\xe9.txt"), "wb") as f:
            f.write(b"Title\n\nBody text here. Another one.")
    # symlink loops and special files
    os.symlink(".", root / "loop")
    os.symlink("..", deep / "up")
    os.symlink("self.txt", root / "self.txt")
    os.symlink("nowhere.txt", root / "dangling.txt")
    os.mkfifo(root / "fifo.txt")
    os.symlink("/dev/zero", root / "zero.txt")
    (root / "folder.txt").mkdir()
    return expected


def _check_corpus(root: Path, expected: dict[str, str]) -> None:
    result = load_corpus(root)
    indexed = {a.source.path for a in result.articles} | {s.path for a in result.articles for s in a.also}
    skipped = {s.path: s.reason for s in result.skipped}
    listed = {relative_path(p, root) for p in corpus_files(root)}
    assert indexed | set(skipped) == listed  # every file accounted for...
    assert not indexed & set(skipped)  # ...once
    assert all(isinstance(r, str) and r for r in skipped.values())
    for rel in expected:
        assert rel in indexed, (rel, skipped.get(rel))
    for special in ("self.txt", "dangling.txt", "fifo.txt", "zero.txt"):
        assert special in skipped, skipped
    for article in result.articles:
        for p in article.paragraphs:
            assert 0 <= p.start <= p.end <= len(article.text)


def _check_build(root: Path, index_dir: Path, expected: dict[str, str]) -> None:
    s = Settings(corpus_dir=root, index_dir=index_dir)
    index, report = build(s)
    loaded, _ = index_format.load(index_dir)
    texts = {src.path: loaded.article_text(i) for i, src in enumerate(loaded.sources())}
    for rel, m in expected.items():
        # the marker's sentences are indexed under its term, and quote the article they came from
        docs, _ = loaded.sentences.postings(text.terms(m)[0])
        paths = set()
        for d in (int(x) for x in docs):
            span = loaded.span(d)
            sentence = loaded.sentence_text(d)
            source = loaded.source(span.article)
            assert m in sentence and texts[source.path][span.start:span.end] == sentence
            paths |= {source.path, *(a.path for a in loaded.also(span.article))}
        assert rel in paths, (rel, m)
    assert {sk.path for sk in report.skipped} >= {"fifo.txt", "zero.txt", "self.txt", "dangling.txt"}


@FUZZ
@given(readables=st.lists(readable, min_size=1, max_size=6),
       junks=st.lists(st.tuples(names, junk), max_size=6),
       depth=st.integers(0, 40), salt=st.integers(0, 10**6), bad_name=st.booleans())
def test_any_folder_loads_and_builds(readables, junks, depth, salt, bad_name):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        root.mkdir()
        expected = _write_tree(root, readables, junks, depth, salt, bad_name)
        _check_corpus(root, expected)
        _check_build(root, Path(tmp) / "index", expected)


def test_deep_nesting_and_loops(tmp_path):
    root = tmp_path / "corpus"
    expected = _write_tree(root, [("utf-8", False, ".txt", "", 0)], [], 120, 1, True)
    _check_corpus(root, expected)
    _check_build(root, tmp_path / "index", expected)


@FUZZ
@given(n=st.integers(2, 5), vanish=st.data())
def test_files_vanishing_between_listing_and_reading(n, vanish):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        root.mkdir()
        expected = _write_tree(root, [("utf-8", False, ".txt", "", 1)] * n, [], 0, 5, False)
        gone = vanish.draw(st.sampled_from(sorted(expected)))
        real = Path.read_bytes

        def read_bytes(self):
            if self.name == Path(gone).name:
                raise FileNotFoundError(2, "No such file or directory", str(self))
            return real(self)

        with mock.patch.object(Path, "read_bytes", read_bytes):
            index, report = build(Settings(corpus_dir=root, index_dir=Path(tmp) / "index"))
        reasons = {s.path: s.reason for s in report.skipped}
        assert "vanished" in reasons[gone]
        assert index.article_count == n - 1


def test_file_deleted_for_real_after_listing(tmp_path):
    root = tmp_path / "corpus"
    expected = _write_tree(root, [("utf-8", False, ".txt", "", 1)] * 3, [], 0, 9, False)
    listed = corpus_files(root)
    victim = sorted(expected)[1]
    real = corpus_files

    def list_then_delete(folder):
        files = real(folder)
        (root / victim).unlink()
        return files

    with mock.patch.object(corpus_load, "corpus_files", list_then_delete):
        result = load_corpus(root)
    assert {s.path: s.reason for s in result.skipped}[victim].startswith("file vanished")
    assert len(result.articles) == 2 and len(listed) == 7


def test_only_unreadable_files_is_a_clear_error(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "empty.txt").write_bytes(b"")
    (root / "bom.txt").write_bytes(b"\xef\xbb\xbf")
    os.mkfifo(root / "fifo.txt")
    with pytest.raises(QuotebotError) as e:
        load_corpus(root)
    assert str(root) in str(e.value) and "empty.txt" in str(e.value) and "fifo.txt" in str(e.value)


def _single_line(path: Path, size: int) -> None:
    rng = random.Random(0)
    vocab = ["".join(rng.choice("abcdefghijklmnoprstuvw") for _ in range(rng.randint(3, 9))) for _ in range(3000)]
    chunk = " ".join(rng.choices(vocab, k=20_000)).encode()
    with open(path, "wb") as f:
        f.write(b"A title line\n\nThe zyxquorp survey began. ")  # something to find, then one long line
        written = 0
        while written < size:
            f.write(chunk[: size - written] if size - written < len(chunk) else chunk)
            f.write(b" ")
            written += len(chunk) + 1


@pytest.mark.parametrize("megabytes", [50])
def test_huge_single_line_file(tmp_path, megabytes):
    """Runs once (not per example): one file of `megabytes` MB on a single line."""
    root = tmp_path / "corpus"
    root.mkdir()
    _single_line(root / "huge.txt", megabytes * 1_000_000)
    (root / "small.txt").write_text("Small story\n\nThe ferry left at noon. It carried 40 cars.\n")
    s = Settings(corpus_dir=root, index_dir=tmp_path / "index")
    t = time.perf_counter()
    index, report = build(s)
    seconds = time.perf_counter() - t
    assert report.articles == 2 and not report.skipped
    answerer = Answerer(index, s.answering)
    answer = answerer.answer("zyxquorp survey")
    assert answer.found and "zyxquorp" in answer.passages[0].sentence
    assert len(answer.passages[0].quote) < 10_000  # a passage never becomes the whole line
    assert answerer.answer("ferry cars").found
    print(f"{megabytes} MB single line: built in {seconds:.1f} s, {report.sentences} sentences")
