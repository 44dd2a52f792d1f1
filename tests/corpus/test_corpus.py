"""Corpus loading: seeds, test pages from other publishers, and awkward files."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from bot.corpus.cleaning import boilerplate_reason, norm, sentences
from bot.corpus.load import corpus_files, fingerprint_files, load_corpus
from bot.errors import QuotebotError

from tests.support.paths import ROOT
from tests.support.paths import SEEDS
from tests.support.paths import PAGES
PAGE_NAMES = ["wire_service", "broadcaster", "business_paywall", "blog", "local_paper", "html_page"]

BOILERPLATE_WORDS = re.compile(
    r"Advertisement|Latest Headlines|File photo|\{\{|subscription to|Unlimited access|Sponsored|"
    r"Icon|Chevron|Try 3 months|Offer ends|© AP|trial period|free article",
)

BODY = (
    "Residents were moved to higher ground on Tuesday after the river rose two metres overnight. "
    "Officials said the water was expected to fall by the weekend.\n\n"
    "Schools in the valley will stay closed until Monday, the council said.\n"
)


def texts(article, kinds=("title", "deck", "body", "caption")):
    return [article.text[p.start:p.end] for p in article.paragraphs if p.kind in kinds]


def by_path(corpus):
    return {a.source.path: a for a in corpus.articles}


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --- seeds -------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds():
    return by_path(load_corpus(SEEDS))


def test_seed_upi(seeds):
    a = seeds["000_7e3365c8451a1df2.txt"]
    s = a.source
    assert s.title == "North Korea officials defecting in fear of rising executions"
    assert (s.byline, s.publisher, s.place, s.date) == ("Elizabeth Shim", "UPI", "SEOUL", "July 2")
    kept = texts(a)
    assert not [t for t in kept if BOILERPLATE_WORDS.search(t)]
    captions = texts(a, ("caption",))
    assert len(captions) == 1 and captions[0].endswith("Yonhap reported Thursday.")
    assert not any("By Elizabeth Shim" in t for t in kept)
    assert any(t.startswith("SEOUL, July 2 (UPI) -- North Korean leader") for t in texts(a, ("body",)))


def test_seed_nikkei(seeds):
    a = seeds["004_c8dacecdbfac066f.txt"]
    assert a.source.title == "North Korea's Kim purges his wealthy elite to keep grip on power"
    assert a.source.publisher == "Nikkei Asian Review"
    kept = texts(a)
    assert "Trump-Kim Summit" not in kept
    assert not [t for t in kept if BOILERPLATE_WORDS.search(t)]
    assert not [t for t in kept if re.search(r"[a-z][A-Z][a-z]+[A-Z]", t)]  # glued icon labels
    raw = (SEEDS / "004_c8dacecdbfac066f.txt").read_text(encoding="utf-8")
    body_start = raw.index("SEOUL --")
    body_end = raw.index("Sponsored Content")
    joined = norm(" ".join(kept))
    body = [line for line in raw[body_start:body_end].splitlines() if line.strip() and "© AP" not in line]
    assert len(body) == 16
    for sentence in sentences("\n".join(body)):
        assert sentence in joined, sentence


def test_seeds_spans_are_clean(seeds):
    for a in seeds.values():
        for p in a.paragraphs:
            t = a.text[p.start:p.end]
            assert t == t.strip() and t
            assert p.kind in ("title", "deck", "body", "caption")
            assert boilerplate_reason(norm(t)) is None, t
        starts = [p.start for p in a.paragraphs]
        assert starts == sorted(starts)


def test_seed_files_listed():
    assert [p.name for p in corpus_files(SEEDS)] == ["000_7e3365c8451a1df2.txt", "004_c8dacecdbfac066f.txt"]


# --- pages from other publishers -------------------------------------------


def _page(name: str):
    src = PAGES / f"{name}.txt"
    return src if src.exists() else PAGES / f"{name}.html"


def measure(name: str, tmp_path: Path):
    """(kept paragraphs, expected paragraphs, share of boilerplate lines removed)."""
    src = _page(name)
    shutil.copy(src, tmp_path / src.name)
    article = load_corpus(tmp_path).articles[0]
    kept = [norm(t) for t in texts(article)]
    expected = [norm(b) for b in (PAGES / f"{name}.expected.txt").read_text(encoding="utf-8").split("\n\n") if b.strip()]
    # Boilerplate = lines of the (reduced) page that belong to no expected paragraph.
    lines = [norm(line) for line in article.text.splitlines() if line.strip()]
    wanted = " \n ".join(expected)
    boiler = [line for line in lines if line not in wanted]
    kept_blob = " \n ".join(kept)
    removed = sum(1 for line in boiler if line not in kept_blob)
    return article, kept, expected, removed / len(boiler)


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_keeps_every_sentence_and_drops_boilerplate(name, tmp_path):
    article, kept, expected, share = measure(name, tmp_path)
    joined = " \n ".join(kept)
    for para in expected:
        for sentence in sentences(para):
            assert sentence in joined, sentence
    assert share >= 0.95, f"{name}: only {share:.0%} of boilerplate lines removed"
    assert kept == expected  # stricter than the issue asks; holds for these pages
    for p in article.paragraphs:
        assert article.text[p.start:p.end].strip() == article.text[p.start:p.end]


def test_page_metadata(tmp_path):
    meta = {}
    for name in PAGE_NAMES:
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(_page(name), folder)
        meta[name] = load_corpus(folder).articles[0].source
    wire = meta["wire_service"]
    assert (wire.publisher, wire.place, wire.date, wire.byline) == (
        "Reuters", "SANTIAGO", "2021-03-14", "Maria Delgado and Tomas Reyes")
    assert meta["business_paywall"].title == "Investors pile into short-dated Treasuries as rate fears ease"
    assert (meta["business_paywall"].byline, meta["business_paywall"].date) == ("Lena Ortiz", "2023-05-09")
    assert meta["business_paywall"].publisher == "The Financial Courier"
    assert (meta["blog"].byline, meta["blog"].date, meta["blog"].publisher) == ("Gwen Harlow", "2022-04-03", None)
    local = meta["local_paper"]
    assert (local.byline, local.date, local.publisher) == ("Sandra Kowalski", "2019-06-12", "The Fairhaven Gazette")
    assert meta["broadcaster"].publisher is None  # a photo agency credit is not the publisher
    html = meta["html_page"]
    assert (html.title, html.publisher, html.byline) == (
        "Rail strike halts trains across the north", "Northern Ledger", "Priya Natarajan")
    assert html.url == "https://ledger.example/news/rail-strike"


def test_html_caption_kind(tmp_path):
    shutil.copy(PAGES / "html_page.html", tmp_path)
    a = load_corpus(tmp_path).articles[0]
    assert texts(a, ("caption",)) == ["Commuters wait at an empty platform in Leeds on Monday."]
    assert "<" not in a.text and "dataLayer" not in a.text


# --- quotes and general rules -------------------------------------------------


def test_quoted_promo_words_survive(tmp_path):
    write(tmp_path, "a.txt", 'Paywall row\n\n"You need a subscription," he said.\n\nYou need a subscription to read more.\n\n' + BODY)
    kept = texts(load_corpus(tmp_path).articles[0])
    assert '"You need a subscription," he said.' in kept
    assert "You need a subscription to read more." not in kept


def test_wrapped_lines_join_and_crlf(tmp_path):
    content = "Headline here\r\n\r\nThe minister said the plan,\r\nwhich was agreed on Monday, would start soon.\r\nA second line stands alone.\r\n"
    write(tmp_path, "a.txt", content.encode())
    a = load_corpus(tmp_path).articles[0]
    assert a.text == content
    body = texts(a, ("body",))
    assert body == ["The minister said the plan,\r\nwhich was agreed on Monday, would start soon.", "A second line stands alone."]


def test_duplicate_paragraphs_kept_once(tmp_path):
    write(tmp_path, "a.txt", "Title line\n\n" + BODY + "\n" + BODY)
    kept = texts(load_corpus(tmp_path).articles[0], ("body",))
    assert len(kept) == len(set(kept)) == 2


# --- files and folders --------------------------------------------------------


def test_missing_folder(tmp_path):
    with pytest.raises(QuotebotError, match="does not exist"):
        load_corpus(tmp_path / "nope")
    f = write(tmp_path, "file.txt", BODY)
    with pytest.raises(QuotebotError, match="not a folder"):
        load_corpus(f)


def test_empty_folder(tmp_path):
    with pytest.raises(QuotebotError, match=str(tmp_path)):
        load_corpus(tmp_path)


def test_only_unusable_files(tmp_path):
    write(tmp_path, "blank.txt", "  \n\n \t\n")
    write(tmp_path, "ads.txt", "Advertisement\n\nLatest Headlines\n")
    with pytest.raises(QuotebotError, match="no usable article"):
        load_corpus(tmp_path)


def test_empty_file_skipped(tmp_path):
    write(tmp_path, "a.txt", BODY)
    write(tmp_path, "empty.txt", "")
    c = load_corpus(tmp_path)
    assert [s.path for s in c.skipped] == ["empty.txt"]
    assert "empty" in c.skipped[0].reason


def test_undecodable_bytes(tmp_path):
    write(tmp_path, "bad.txt", "Caf\xe9 owners protest\n\n".encode("cp1252") + BODY.encode() + b"\x81\xff end.\n")
    c = load_corpus(tmp_path)
    assert c.articles and any("bad.txt" in w and "UTF-8" in w for w in c.warnings)
    assert c.articles[0].text.startswith("Café")


def test_bom_stripped(tmp_path):
    write(tmp_path, "bom.txt", b"\xef\xbb\xbfBOM headline\n\n" + BODY.encode())
    a = load_corpus(tmp_path).articles[0]
    assert a.text.startswith("BOM headline") and a.source.title == "BOM headline"


def test_nested_hidden_and_sidecars(tmp_path):
    write(tmp_path, "2019/feb/a.txt", BODY)
    write(tmp_path, "notes.md", "# Markdown title\n\nA different story about the harbour opening in spring. The mayor said it will be busy.\n")
    write(tmp_path, ".hidden/b.txt", BODY + "hidden")
    write(tmp_path, ".c.txt", BODY + "hidden")
    write(tmp_path, "2019/feb/a.json", json.dumps({"title": "Sidecar title", "url": "https://x.example/a", "date": "2019-02-20"}))
    c = load_corpus(tmp_path)
    paths = [a.source.path for a in c.articles]
    assert paths == ["2019/feb/a.txt", "notes.md"]
    a = by_path(c)["2019/feb/a.txt"]
    assert (a.source.title, a.source.url, a.source.date) == ("Sidecar title", "https://x.example/a", "2019-02-20")
    md = by_path(c)["notes.md"]
    assert md.source.title == "Markdown title"
    assert [p.name for p in corpus_files(tmp_path)] == ["a.txt", "notes.md"]
    assert [p.name for p in fingerprint_files(tmp_path)] == ["a.txt", "a.json", "notes.md"]


def test_malformed_sidecar_warns(tmp_path):
    write(tmp_path, "a.txt", "Real title\n\n" + BODY)
    write(tmp_path, "a.json", "{not json")
    c = load_corpus(tmp_path)
    assert c.articles[0].source.title == "Real title"
    assert any("a.json" in w for w in c.warnings)


def test_duplicate_story_merged(tmp_path):
    write(tmp_path, "a.txt", "First copy\n\n" + BODY)
    write(tmp_path, "b.txt", "Second copy\n\nAdvertisement\n\n" + BODY)
    write(tmp_path, "c.txt", "Other\n\nA wholly different report about a bakery that opened on Main Street this week.\n")
    c = load_corpus(tmp_path)
    assert [a.source.path for a in c.articles] == ["a.txt", "c.txt"]
    assert [s.path for s in c.articles[0].also] == ["b.txt"]
    assert c.articles[0].also[0].title == "Second copy"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlink_loop_terminates(tmp_path):
    write(tmp_path, "sub/a.txt", BODY)
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    os.symlink(tmp_path / "missing.txt", tmp_path / "broken.txt")
    c = load_corpus(tmp_path)
    assert [a.source.path for a in c.articles] == ["sub/a.txt"]
    assert [s.path for s in c.skipped] == ["broken.txt"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs permissions")
def test_unreadable_file_skipped(tmp_path):
    write(tmp_path, "a.txt", BODY)
    locked = write(tmp_path, "locked.txt", BODY)
    locked.chmod(0)
    try:
        c = load_corpus(tmp_path)
    finally:
        locked.chmod(0o644)
    assert [s.path for s in c.skipped] == ["locked.txt"]


def test_vanished_and_forbidden_files_skipped(tmp_path, monkeypatch):
    write(tmp_path, "a.txt", BODY)
    write(tmp_path, "gone.txt", BODY + "x")
    write(tmp_path, "locked.txt", BODY + "y")
    real = Path.read_bytes

    def fake(self):
        if self.name == "gone.txt":
            raise FileNotFoundError(2, "No such file")
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", fake)
    c = load_corpus(tmp_path)
    reasons = {s.path: s.reason for s in c.skipped}
    assert "vanished" in reasons["gone.txt"] and "Permission denied" in reasons["locked.txt"]


def _generated_corpus(root: Path, n: int = 300) -> None:
    import random

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
        write_bytes = root / name
        write_bytes.parent.mkdir(parents=True, exist_ok=True)
        write_bytes.write_bytes(data)
        if k % 13 == 0:
            (root / name).with_suffix(".json").write_text("{broken" if k % 26 else '{"title": "Sidecar"}')
    (root / "empty.txt").write_bytes(b"")


def test_parallel_and_serial_loads_agree(tmp_path, monkeypatch):
    import bot.corpus.load as corpus_mod

    _generated_corpus(tmp_path)
    monkeypatch.setattr(corpus_mod, "_use_pool", lambda size, count: False)
    serial = load_corpus(tmp_path)
    monkeypatch.setattr(corpus_mod, "_use_pool", lambda size, count: True)
    parallel = load_corpus(tmp_path)
    assert serial == parallel
    assert serial.warnings and serial.skipped and any(a.also for a in serial.articles)


def test_duplicate_merging_matches_all_pairs(tmp_path, monkeypatch):
    """The prefix-filtered search finds exactly what comparing every pair finds."""
    from dataclasses import replace

    import bot.corpus.load as corpus_mod

    _generated_corpus(tmp_path)
    monkeypatch.setattr(corpus_mod, "_merge_duplicates", lambda articles: list(articles))
    articles = list(load_corpus(tmp_path).articles)
    monkeypatch.undo()

    kept, shingles = [], []
    for art in articles:
        sh = corpus_mod._shingles(art)
        for i, other in enumerate(shingles):
            if len(sh & other) / len(sh | other) >= corpus_mod.DUPLICATE_JACCARD:
                kept[i] = replace(kept[i], also=kept[i].also + (art.source,))
                break
        else:
            kept.append(art)
            shingles.append(sh)
    assert corpus_mod._merge_duplicates(articles) == kept
    monkeypatch.setattr(corpus_mod, "_BULK_GROUP", 0)  # the incremental candidate search
    assert corpus_mod._merge_duplicates(articles) == kept
    assert sum(len(a.also) for a in kept) > 10
