"""HTML pages through trafilatura: article text, the page's own metadata, captions, bad pages."""

from __future__ import annotations

import subprocess
import sys

from bot.corpus.files import read_article
from bot.corpus.types import Article, Skipped
from tests.support.paths import ROOT

BODY = ("<p>The harbour bridge reopened on Tuesday after nine months of repairs, the city council said in a "
        "statement that thanked residents for their patience.</p>"
        "<p>Engineers replaced 412 steel cables and repainted the whole span, work that cost $48 million, "
        "twice the first estimate.</p>"
        "<p>The mayor said traffic would return to normal by Friday, once the last lane markings are dry.</p>")
PAGE = f"""<!doctype html><html><head><meta charset="utf-8">
<title>Harbour bridge reopens | Portville Post</title>
<meta property="og:title" content="Harbour bridge reopens after repairs">
<meta property="og:site_name" content="Portville Post">
<link rel="canonical" href="https://post.example/bridge-reopens">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Harbour bridge reopens after repairs",
 "author": [{{"@type": "Person", "name": "Ann Lee"}}], "datePublished": "2024-03-05T08:00:00Z"}}</script>
</head><body class="cookies-not-set Page-ad-margins">
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<form id="aspnetForm"><article class="category-sponsored-advertising-promotion">
<h1>Harbour bridge reopens after repairs</h1>
<figure><img src="bridge.jpg" alt=""><figcaption>The bridge at dawn on Tuesday. Photo: Jo Park</figcaption></figure>
{BODY}
</article></form>
<footer>© 2024 Portville Post. All rights reserved. <a href="/privacy">Privacy</a></footer>
</body></html>"""


def read(tmp_path, name: str, data: bytes | str) -> Article | Skipped:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return read_article(path, tmp_path, [])


def test_article_text_and_the_pages_metadata(tmp_path):
    """Classes that merely mention ads or promotions and a page wrapped in one <form> lose nothing."""
    a = read(tmp_path, "bridge.html", PAGE)
    assert isinstance(a, Article)
    kept = {p.kind: [] for p in a.paragraphs}
    for p in a.paragraphs:
        kept[p.kind].append(a.paragraph_text(p))
    assert kept["title"] == ["Harbour bridge reopens after repairs"]
    assert kept["caption"] == ["The bridge at dawn on Tuesday."]  # the credit is cut by the line rules
    assert any("412 steel cables" in t for t in kept["body"]) and len(kept["body"]) == 3
    assert "Home" not in a.text and "Privacy" not in a.text
    s = a.source
    assert (s.title, s.publisher, s.byline, s.date, s.url) == (
        "Harbour bridge reopens after repairs", "Portville Post", "Ann Lee", "2024-03-05",
        "https://post.example/bridge-reopens")
    for p in a.paragraphs:  # quotes are taken from this text: each paragraph is an exact span of it
        assert a.text[p.start:p.end] == a.paragraph_text(p).strip()


def test_a_sidecar_still_overrides_the_page(tmp_path):
    (tmp_path / "bridge.json").write_text('{"title": "Bridge is back", "byline": "Desk"}', encoding="utf-8")
    s = read(tmp_path, "bridge.html", PAGE).source
    assert (s.title, s.byline, s.publisher) == ("Bridge is back", "Desk", "Portville Post")


def test_pages_that_are_no_articles_are_skipped_with_a_reason(tmp_path):
    cases = {
        "report.html": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not an HTML page: the file is a PDF"),
        "photo.htm": (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "not an HTML page: the file is a PNG image"),
        # (trafilatura's last resort keeps the menu's text; the line rules leave nothing of it)
        "empty.html": ("<html><body><nav><a href='/'>Home</a></nav></body></html>", "no article body found"),
        "blank.html": ("<html><head><title></title></head><body><div></div></body></html>", "no article text found in the HTML"),
    }
    for name, (data, reason) in cases.items():
        assert read(tmp_path, name, data) == Skipped(name, reason)
    big = read(tmp_path, "dump.html", "<p>" + "x" * 21_000_000 + "</p>")
    assert isinstance(big, Skipped) and big.reason.startswith("HTML page over 20 MB")


def test_broken_truncated_and_mislabelled_pages_do_not_break_reading(tmp_path):
    truncated = PAGE[: PAGE.index("The mayor said") + 40]
    a = read(tmp_path, "cut.html", truncated)
    assert isinstance(a, Article) and "412 steel cables" in a.text
    # declared UTF-8 in <meta>, written as Latin-1: read with the fallback, never a crash
    latin = PAGE.replace("repairs, the city", "repairs, the café city").encode("latin-1")
    b = read(tmp_path, "latin.html", latin)
    assert isinstance(b, Article) and "café" in b.text
    c = read(tmp_path, "tags.html", "<html><body><div><p>Unclosed <b>tags <i>everywhere" + BODY[:300])
    assert isinstance(c, (Article, Skipped))


def test_asking_does_not_import_the_html_extractor(tmp_path):
    """trafilatura costs ~0.2 s to import: only a build reads HTML, so a question on a built index never
    pays for it."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bridge.html").write_text(PAGE, encoding="utf-8")
    index = tmp_path / "index"
    run = [sys.executable, "-m", "bot"]
    subprocess.run(run + ["build", "--corpus", str(corpus), "--index", str(index)], cwd=ROOT, check=True,
                   capture_output=True)
    probe = ("import sys; from bot.frontends.cli import main; sys.argv = ['quotebot', 'ask', '--corpus', "
             f"{str(corpus)!r}, '--index', {str(index)!r}, 'How many cables were replaced?']\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print('trafilatura' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "412 steel cables" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_a_saved_pages_asset_folder_is_not_read(tmp_path):
    """'Save page, complete' writes NAME_files/ (ad frames as .html) beside NAME.html; a folder of that
    name with no page beside it is an ordinary folder."""
    from bot.corpus.folder import corpus_files

    (tmp_path / "Bridge reopens.html").write_text(PAGE, encoding="utf-8")
    assets = tmp_path / "Bridge reopens_files"
    assets.mkdir()
    (assets / "ad_frame.html").write_text("<html><body><p>Buy now</p></body></html>", encoding="utf-8")
    other = tmp_path / "reports_files"
    other.mkdir()
    (other / "note.txt").write_text("Council note\n\nThe council met on Monday to discuss the budget.\n", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in corpus_files(tmp_path)] == [
        "Bridge reopens.html", "reports_files/note.txt"]


def test_headings_lists_and_quotes_keep_their_kinds(tmp_path):
    extra = ("<h2>What the repairs cost</h2>"
             "<ul><li>412 steel cables replaced along the whole span</li><li>The deck repainted in two coats</li></ul>"
             "<blockquote><p>We never had to close it for this long before, and we do not want to again.</p></blockquote>")
    article = read(tmp_path, "kinds.html", PAGE.replace(BODY, BODY + extra))
    assert isinstance(article, Article)
    kinds = {article.paragraph_text(p): p.kind for p in article.paragraphs}
    assert kinds["What the repairs cost"] == "heading"
    assert kinds["412 steel cables replaced along the whole span"] == "list"
    assert kinds["We never had to close it for this long before, and we do not want to again."] == "quote"
    assert kinds[next(t for t in kinds if t.startswith("The harbour bridge reopened"))] == "body"


def test_markdown_marks_leave_the_quoted_text(tmp_path):
    page = ("# Harbour bridge reopens\n\nThe harbour bridge reopened on Tuesday after nine months of repairs.\n\n"
            "## The cost\n\n- 412 steel cables were replaced\n- The deck was repainted\n\n"
            "> We never had to close it for this long before.\n")
    article = read(tmp_path, "bridge.md", page)
    assert isinstance(article, Article)
    kinds = [(p.kind, article.paragraph_text(p)) for p in article.paragraphs]
    assert kinds[0] == ("title", "Harbour bridge reopens")
    assert ("heading", "The cost") in kinds
    assert ("list", "412 steel cables were replaced") in kinds
    assert ("quote", "We never had to close it for this long before.") in kinds


def test_the_byline_names_the_people_the_page_names_not_its_publisher(tmp_path):
    authors = ('[{"@type": "Person", "name": "Ann Lee"}, {"@type": "Organization", "name": "Portville Post"}, '
               '{"@type": "Person", "name": "Jos&eacute; Ruiz"}]')
    page = PAGE.replace('[{{"@type": "Person", "name": "Ann Lee"}}]'.replace("{{", "{").replace("}}", "}"), authors)
    assert page != PAGE
    article = read(tmp_path, "authors.html", page)
    assert isinstance(article, Article) and article.source.byline == "Ann Lee, José Ruiz"


def test_text_beside_blocks_and_credits_in_captions(tmp_path):
    extra = ("<table><tr><td><p>Cable count</p>412 in all, each tested twice before it was fitted.</td></tr></table>"
             '<figure><img src="deck.jpg"><figcaption>Painters on the deck in January. Bild: Jo Park</figcaption></figure>'
             "<p>The council will inspect the span again next spring, a spokeswoman for the works department said.</p>")
    article = read(tmp_path, "table.html", PAGE.replace(BODY, BODY + extra))
    assert isinstance(article, Article)
    kept = [article.paragraph_text(p) for p in article.paragraphs]
    assert "412 in all, each tested twice before it was fitted." in kept
    assert "Painters on the deck in January" in kept and not any("Jo Park" in t for t in kept)


def test_a_short_title_over_one_long_paragraph_and_a_page_of_one_caption_are_kept(tmp_path):
    """The page's title is the headline however short (the one paragraph under it is not taken for
    a headline with a label above it); a page whose only text is a photo's caption is no lost page."""
    blog = ("<html><head><title>Talks #1</title></head><body><article><h1>Talks #1</h1>"
            "<p>M: Who slips on the ice next? Me: I bet that you will be the next to go, aah, paff, ouch! M: Won!</p>"
            "</article></body></html>")
    a = read(tmp_path, "blog.html", blog)
    assert isinstance(a, Article)
    assert [(p.kind, a.paragraph_text(p)) for p in a.paragraphs] == [
        ("title", "Talks #1"), ("body", "M: Who slips on the ice next? Me: I bet that you will be the next to go, aah, paff, ouch! M: Won!")]
    from bot.corpus.extract import extract

    text = "Bridge at dawn\n\nThe bridge at dawn on Tuesday, before the first cars crossed it."
    kept = extract(text, kinds={0: "title", 16: "caption"}).paragraphs
    assert [(text[start:end], kind) for start, end, kind in kept] == [
        ("Bridge at dawn", "title"), ("The bridge at dawn on Tuesday, before the first cars crossed it.", "body")]


def test_the_metadata_is_read_once_from_the_parsed_page(tmp_path):
    """No JSON-LD person and no <meta> author: the byline comes from the page's own byline element."""
    page = (PAGE.replace('"author": [{"@type": "Person", "name": "Ann Lee"}], ', "")
            .replace("<h1>", '<p class="byline">Maria Gonzalez</p><h1>'))
    assert page != PAGE
    s = read(tmp_path, "byline.html", page).source
    assert (s.title, s.byline, s.date, s.publisher) == (
        "Harbour bridge reopens after repairs", "Maria Gonzalez", "2024-03-05", "Portville Post")


def test_a_figure_in_a_teaser_rail_brings_no_caption(tmp_path):
    """A caption is the article's when the article's own text follows its figure on the page; a
    rail of teasers after the article, each a picture and a headline, adds none of its captions."""
    rail = ('<aside><figure><img src="t1.jpg"><figcaption>Fans at the final whistle on Sunday.</figcaption></figure>'
            "<h3>Portville win the cup in extra time</h3>"
            '<figure><img src="t2.jpg"><figcaption>The new ferry on its first crossing.</figcaption></figure>'
            "<h3>Ferry timetable changes from May</h3></aside>")
    article = read(tmp_path, "rail.html", PAGE.replace("</article>", "</article>" + rail))
    assert isinstance(article, Article)
    kept = [article.paragraph_text(p) for p in article.paragraphs]
    assert "The bridge at dawn on Tuesday." in kept
    assert not any("whistle" in t or "ferry on its first" in t for t in kept)


def test_text_between_headings_and_code_inside_a_sentence_are_kept(tmp_path):
    """trafilatura leaves a run of text it found outside any paragraph straight under its output
    (after a heading); inline code is part of its sentence, not a block of its own."""
    extra = ("<h2>Building it</h2><div>Install the dependencies separately and earlier in your <code>Dockerfile</code>"
             " to ensure faster builds, the engineers said after the first week of work on the bridge.</div>")
    article = read(tmp_path, "code.html", PAGE.replace(BODY, BODY + extra))
    assert isinstance(article, Article)
    kept = [article.paragraph_text(p) for p in article.paragraphs]
    assert any("earlier in your Dockerfile to ensure faster builds" in t for t in kept)



LEAD = "Nine months and $48 million later, drivers can cross the harbour again."


def _lead_page(description: str, shown: str) -> str:
    return f"""<html><head><title>Harbour bridge reopens</title><meta name="description" content="{description}"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<main><header class="article-header"><h1>Harbour bridge reopens</h1><div class="teaser">{shown}</div></header>
<article><div class="article-body">{BODY}</div></article></main><footer>© 2024 Portville Post</footer></body></html>"""


def test_the_lead_the_page_shows_and_describes_itself_with_is_kept(tmp_path):
    """trafilatura leaves a standfirst set apart from the body out; the page's own description,
    shown on the page, brings it back under the headline, as the page shows it."""
    a = read(tmp_path, "lead.html", _lead_page(LEAD, f"<strong>{LEAD}</strong>"))
    texts = [(p.kind, a.paragraph_text(p)) for p in a.paragraphs]
    assert texts[0] == ("title", "Harbour bridge reopens")
    assert texts[1] == ("deck", LEAD)
    assert sum(LEAD in t for _, t in texts) == 1
    # a description the page never shows (only in its <head>) adds nothing
    hidden = read(tmp_path, "hidden.html", _lead_page(LEAD, ""))
    assert LEAD not in hidden.text and "412 steel cables" in hidden.text
    # nor does one the extracted body already holds
    again = read(tmp_path, "again.html", _lead_page(
        "The harbour bridge reopened on Tuesday after nine months of repairs, the city council said", ""))
    assert again.text.count("The harbour bridge reopened on Tuesday") == 1


def test_links_to_other_pages_inside_the_article_are_left_out_by_their_shape(tmp_path):
    """A short label and a colon before a link ("Read more: …") and a run of blocks that are only
    links, with the short heading above them, point to other pages; a link inside a sentence stays."""
    from bot.corpus.files import read_page

    page = f"""<html><head><title>Harbour bridge reopens</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Harbour bridge reopens</h1>{BODY}
<p>Lea también: <a href="/ferry">Ferry fares to rise in spring as fuel costs climb</a></p>
<p>The council will publish <a href="/bill">the final bill</a> for the repairs in May, a spokeswoman said on Tuesday.</p>
<p>Related coverage</p>
<p><a href="/a">Lifeboat crew honoured for winter rescue off the point</a></p>
<p><a href="/b">Council approves new cycle lanes on the seafront</a></p>
<p>Residents can send questions about the works to the council until the end of the month.</p>
</article><footer>© 2024 Portville Post</footer></body></html>"""
    path = tmp_path / "links.html"
    path.write_text(page, encoding="utf-8")
    a, removed = read_page(path, tmp_path, [], extractor=True)
    assert isinstance(a, Article)
    assert "the final bill for the repairs in May" in a.text and "until the end of the month" in a.text
    assert "Ferry fares" not in a.text and "Lifeboat" not in a.text and "Related coverage" not in a.text
    rules = dict(removed)
    assert rules["Lea también: Ferry fares to rise in spring as fuel costs climb"] == "link_teaser"
    assert rules["Related coverage"] == rules["Council approves new cycle lanes on the seafront"] == "link_list"
    for p in a.paragraphs:
        assert a.text[p.start:p.end] == a.paragraph_text(p).strip()


def test_a_page_of_only_links_keeps_them(tmp_path):
    links = "".join(f'<li><a href="/{n}">Story number {n} about the harbour and its ferries</a></li>' for n in range(6))
    a = read(tmp_path, "list.html", f"<html><head><title>Harbour stories</title></head><body><ul>{links}</ul></body></html>")
    assert isinstance(a, Article) and "Story number 3" in a.text
