"""The page text model on pages of odd sizes and scripts, through the reader a build uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus import zones
from bot.corpus.files import read_article
from bot.corpus.types import Article

SENTENCE = "The regional transport board said on Tuesday that the early sailings would keep running all year."


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_short_pages_keep_their_sentences(tmp_path: Path, count: int):
    page = tmp_path / "short.txt"
    page.write_text("\n\n".join([SENTENCE] * 1 + [f"Paragraph {n} of the story, which goes on a little further than the last one did." for n in range(count - 1)]), encoding="utf-8")
    article = read_article(page, tmp_path, [])
    assert isinstance(article, Article)
    assert SENTENCE in [article.paragraph_text(p) for p in article.paragraphs]


def test_every_paragraph_gets_a_verdict():
    texts = ["Home", "News", SENTENCE, SENTENCE + " Again.", "Reply", "© 2024"]
    keep = zones.article_paragraphs(texts, [False] * len(texts))
    assert len(keep) == len(texts)
    assert keep[2] and not keep[0]
    assert zones.article_paragraphs([], []) == []


def test_features_are_finite_on_one_word_and_cjk_pages():
    for texts in (["x"], ["港町の路線バス、四月から減便へ。"], ["", " "]):
        rows = zones.page_rows(texts, [False] * len(texts))
        assert rows.shape == (len(texts), len(zones.FEATURES))
        assert (rows == rows).all()  # no NaN


def test_a_label_above_the_article_never_cuts_it(tmp_path: Path):
    body = "\n\n".join(f"{SENTENCE[:-1]}, the {n}th time this year." for n in range(6))
    page = tmp_path / "labels.txt"
    page.write_text(f"Comments\n\nHarbour ferries keep early sailings\n\nComments\n\n{body}\n\nComments\n", encoding="utf-8")
    article = read_article(page, tmp_path, [])
    kept = [article.paragraph_text(p) for p in article.paragraphs if p.kind == "body"]
    assert len(kept) == 6
    assert article.source.title == "Harbour ferries keep early sailings"


def test_a_page_of_furniture_keeps_its_one_sentence(tmp_path: Path):
    """A scrape that never saw the article (a page drawn by scripts): its longest sentence is kept
    rather than the page lost."""
    page = tmp_path / "shell.txt"
    page.write_text("Rooms\n\nExperts\n\nMagazine\n\nLog in\n\nYour browser is out of date.\n\n"
                    "Photos of the rooms that readers have built themselves appear here every week!\n\n"
                    "Help and support Imprint Privacy Jobs\n", encoding="utf-8")
    article = read_article(page, tmp_path, [])
    assert isinstance(article, Article)
    kept = [article.paragraph_text(p) for p in article.paragraphs]
    assert "Photos of the rooms that readers have built themselves appear here every week!" in kept
    assert "Your browser is out of date." not in kept and "Rooms" not in kept


def test_a_label_and_a_colon_before_another_storys_headline_is_left_out(tmp_path: Path):
    """"Read more: <headline>" inside the article points to another story; a label before a
    quotation or a sentence is the article's own."""
    from bot.corpus.files import read_page

    body = [f"{SENTENCE[:-1]}, the {n}th time this year." for n in range(4)]
    lines = ["Harbour ferries keep early sailings", *body[:2], "Lea también: Council approves new cycle lanes on the seafront",
             "Weber: „Wir halten die frühen Fähren, solange es geht“", *body[2:],
             "Note: the timetable will be printed in the spring edition of the council magazine."]
    page = tmp_path / "teaser.txt"
    page.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    article, removed = read_page(page, tmp_path, [])
    kept = [article.paragraph_text(p) for p in article.paragraphs]
    assert "Lea también: Council approves new cycle lanes on the seafront" not in kept
    assert ("Lea también: Council approves new cycle lanes on the seafront", "teaser_label") in removed
    assert "Weber: „Wir halten die frühen Fähren, solange es geht“" in kept
    assert all(b in kept for b in body)
