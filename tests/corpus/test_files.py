"""Finding and reading article files: listing, decoding, sidecars, and files that cannot be used."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.corpus.files import decode, read_article
from bot.corpus.folder import corpus_files, file_states, fingerprint_files, relative_path
from bot.corpus.load import load_corpus
from bot.corpus.types import Skipped
from bot.errors import QuotebotError
from tests.support.corpora import BODY, write
from tests.support.paths import SEEDS


def test_seed_files_listed():
    assert [p.name for p in corpus_files(SEEDS)] == ["000_7e3365c8451a1df2.txt", "004_c8dacecdbfac066f.txt"]


def test_missing_folder(tmp_path):
    with pytest.raises(QuotebotError, match="does not exist"):
        load_corpus(tmp_path / "nope")
    f = write(tmp_path, "file.txt", BODY)
    with pytest.raises(QuotebotError, match="not a folder"):
        load_corpus(f)


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


def test_decode_falls_back_and_says_so():
    warnings: list[str] = []
    assert decode("Café".encode("utf-16"), "a.txt", warnings) == "Café" and warnings == []
    assert decode(b"\xef\xbb\xbfCaf\xc3\xa9", "a.txt", warnings) == "Café" and warnings == []
    assert decode(b"Caf\xe9", "b.txt", warnings) == "Café"
    assert decode(b"\x81\x8d", "c.txt", warnings) == "\x81\x8d"  # not cp1252 either: latin-1
    assert warnings == ["b.txt: not valid UTF-8, decoded as cp1252", "c.txt: not valid UTF-8, decoded as latin-1"]


def test_read_article_gives_an_article_or_the_reason(tmp_path):
    warnings: list[str] = []
    article = read_article(write(tmp_path, "sub/a.txt", "Flood warning\n\n" + BODY), tmp_path, warnings)
    assert article.source.path == "sub/a.txt" and article.source.title == "Flood warning"
    assert [p.kind for p in article.paragraphs][0] == "title" and warnings == []
    assert read_article(write(tmp_path, "ads.txt", "Advertisement\n"), tmp_path, warnings) == Skipped(
        "ads.txt", "no article body found")
    assert read_article(tmp_path / "gone.txt", tmp_path, warnings) == Skipped(
        "gone.txt", "file vanished before it could be read")


def test_relative_path_shows_odd_bytes_of_a_file_name(tmp_path):
    name = os.fsdecode(b"caf\xe9.txt")  # not UTF-8: arrives with a surrogate escape
    assert relative_path(tmp_path / "sub" / name, tmp_path) == "sub/caf\\xe9.txt"
    assert relative_path(tmp_path / "sub" / "b.txt", tmp_path) == "sub/b.txt"


def test_nested_hidden_and_sidecars(tmp_path):
    write(tmp_path, "2019/feb/a.txt", BODY)
    write(tmp_path, "notes.md", "# Markdown title\n\nA different story about the harbour opening in spring. The mayor said it will be busy.\n")
    write(tmp_path, ".hidden/b.txt", BODY + "hidden")
    write(tmp_path, ".c.txt", BODY + "hidden")
    write(tmp_path, "2019/feb/a.json", json.dumps({"title": "Sidecar title", "url": "https://x.example/a", "date": "2019-02-20"}))
    c = load_corpus(tmp_path)
    paths = [a.source.path for a in c.articles]
    assert paths == ["2019/feb/a.txt", "notes.md"]
    by_path = {a.source.path: a for a in c.articles}
    a = by_path["2019/feb/a.txt"]
    assert (a.source.title, a.source.url, a.source.date) == ("Sidecar title", "https://x.example/a", "2019-02-20")
    md = by_path["notes.md"]
    assert md.source.title == "Markdown title"
    assert [p.name for p in corpus_files(tmp_path)] == ["a.txt", "notes.md"]
    assert [p.name for p in fingerprint_files(tmp_path)] == ["a.txt", "a.json", "notes.md"]


def test_file_states_list_articles_and_their_sidecars_only(tmp_path):
    """What the fingerprint reads: each article, then its sidecar when that is a file (a folder named
    like a sidecar, or a .json file beside no article, is none), with the stat of each."""
    write(tmp_path, "b/x.txt", BODY)
    write(tmp_path, "b/x.json", "{}")
    write(tmp_path, "a.html", "<p>" + BODY + "</p>")
    (tmp_path / "a.json").mkdir()
    write(tmp_path, "lonely.json", "{}")
    write(tmp_path, "b.v2.md", BODY)
    write(tmp_path, "b.v2.json", "{}")
    states = file_states(tmp_path)
    assert [rel for rel, _ in states] == ["a.html", "b.v2.md", "b.v2.json", "b/x.txt", "b/x.json"]
    assert [st.st_size for _, st in states] == [(tmp_path / rel).stat().st_size for rel, _ in states]
    assert [tmp_path / rel for rel, _ in states] == fingerprint_files(tmp_path)


def test_malformed_sidecar_warns(tmp_path):
    write(tmp_path, "a.txt", "Real title\n\n" + BODY)
    write(tmp_path, "a.json", "{not json")
    c = load_corpus(tmp_path)
    assert c.articles[0].source.title == "Real title"
    assert any("a.json" in w for w in c.warnings)


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


def test_an_html_page_is_read_in_the_charset_it_declares(tmp_path):
    body = "<p>Sejm zagłosował za ustawą, a posłowie opozycji opuścili salę obrad przed głosowaniem.</p>"
    page = f'<html><head><meta charset="iso-8859-2"><title>Sejm zagłosował</title></head><body>{body}</body></html>'
    warnings: list[str] = []
    assert decode(page.encode("iso-8859-2"), "p.html", warnings, html=True) == page and warnings == []
    # the same bytes named .txt declare nothing: the cp1252 fallback, said so
    assert decode(page.encode("iso-8859-2"), "p.txt", warnings) != page and warnings


def test_a_few_stray_bytes_keep_a_page_utf8(tmp_path):
    text = "Zürich " * 2000
    warnings: list[str] = []
    decoded = decode(text.encode() + b"\xff", "z.txt", warnings)
    assert decoded.startswith("Zürich Zürich") and "replaced" in warnings[0]


def test_a_listing_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    import gc

    from bot.corpus.folder import article_states

    (tmp_path / "a.txt").write_text("Alpha.")
    (tmp_path / "a.json").write_text("{}")
    listings = (corpus_files, fingerprint_files, file_states, article_states)
    assert gc.isenabled()
    for listing in listings:
        listing(tmp_path)
        assert gc.isenabled()
    gc.disable()
    try:
        for listing in listings:
            listing(tmp_path)
            assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(QuotebotError):
        corpus_files(tmp_path / "missing")
    assert gc.isenabled()
