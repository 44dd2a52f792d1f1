"""`quotebot show`: what the index will hold of a page, through the real command line."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.frontends.cli import cli


def show(*args: str) -> tuple[int, list[dict] | str]:
    result = CliRunner().invoke(cli, ["show", *args])
    if "--json" in args and result.exit_code == 0:
        return result.exit_code, [json.loads(line) for line in result.output.splitlines()]
    return result.exit_code, result.output


def test_json_gives_the_source_ask_gives_and_the_kept_paragraphs(tiny_corpus):
    corpus, index = str(tiny_corpus.corpus_dir), str(tiny_corpus.index_dir)
    code, pages = show("--json", "--corpus", corpus, str(tiny_corpus.corpus_dir / "a.txt"))
    assert code == 0 and len(pages) == 1
    page = pages[0]
    assert page["path"] == "a.txt" and page["source"]["title"] == "Harbour bridge reopens after repairs"
    assert page["source"]["byline"] == "Ann Lee"
    assert [p["kind"] for p in page["paragraphs"]][0] == "title"
    body = " ".join(p["text"] for p in page["paragraphs"] if p["kind"] == "body")
    assert "Engineers replaced 412 steel cables." in body and "twice the first estimate" in body
    # the source object is exactly the one `ask --json` gives for a passage of this page
    asked = CliRunner().invoke(cli, ["ask", "--json", "--corpus", corpus, "--index", index,
                                     "How many steel cables were replaced?"])
    passage = json.loads(asked.output.splitlines()[-1])["passages"][0]
    assert passage["source"] == page["source"]
    assert passage["quote"] in " ".join(p["text"] for p in page["paragraphs"])


def test_a_folder_stands_for_its_article_files_and_a_skip_says_why(tiny_corpus):
    (tiny_corpus.corpus_dir / "empty.txt").write_text("\n\n", encoding="utf-8")
    code, pages = show("--json", "--corpus", str(tiny_corpus.corpus_dir), str(tiny_corpus.corpus_dir))
    assert code == 0
    assert [p["path"] for p in pages] == ["a.txt", "b.txt", "c.txt", "empty.txt"]
    assert set(pages[-1]) == {"path", "skipped"} and pages[-1]["skipped"]


def test_text_output_lists_kinds_and_a_file_outside_the_corpus_is_named_in_its_folder(tmp_path, tiny_corpus):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "note.txt").write_text("Ferry strike ends\n\nThe ferry crews went back to work on Monday "
                                      "after a two-day strike over pay.\n", encoding="utf-8")
    code, text = show("--corpus", str(tiny_corpus.corpus_dir), str(outside / "note.txt"))
    assert code == 0
    assert text.splitlines()[0] == "Ferry strike ends · note.txt"
    assert "[title] Ferry strike ends" in text and "[body] The ferry crews went back to work" in text


def test_a_missing_path_is_a_usage_error():
    code, text = show("/no/such/page.html")
    assert code == 2 and "does not exist" in text and "Traceback" not in text


def test_dropped_lists_every_removed_line_with_a_stable_rule_name(tmp_path):
    import re

    from tests.support.paths import PAGES, SEEDS

    code, pages = show("--json", "--dropped", "--corpus", str(SEEDS), str(SEEDS / "000_7e3365c8451a1df2.txt"),
                       str(PAGES / "html_page.html"))
    assert code == 0
    text_page, html_page = pages
    rules = {d["rule"] for page in pages for d in page["dropped"]}
    assert all(re.fullmatch(r"[a-z]+(?:_[a-z]+)*", r) for r in rules), rules
    assert {"text": "Advertisement", "rule": "ad_marker"} in text_page["dropped"]
    assert {"text": "File photo by Rodong Sinmun/Yonhap", "rule": "photo_credit"} in text_page["dropped"]
    kept = {p["text"] for p in text_page["paragraphs"]}
    assert not kept & {d["text"] for d in text_page["dropped"] if d["rule"] != "repeat"}
    # an HTML page also lists what the extractor left out (its menu, share bar, footer)
    left = {d["text"] for d in html_page["dropped"] if d["rule"] == "extractor"}
    assert {"Sport", "Related stories", "© 2024 Northern Ledger. All rights reserved."} <= left
    assert not left & {p["text"] for p in html_page["paragraphs"]}
    # without --dropped there is no such field; in text form the lines come under their rules
    assert "dropped" not in show("--json", "--corpus", str(SEEDS), str(PAGES / "html_page.html"))[1][0]
    assert "[ad_marker] Advertisement" in show("--dropped", "--corpus", str(SEEDS),
                                                str(SEEDS / "000_7e3365c8451a1df2.txt"))[1]
