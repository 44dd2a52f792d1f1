"""One decoded page -> kept paragraph spans (title/deck/body/caption) and the metadata it shows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from bot.corpus import cleaning, metadata, zones
from bot.corpus.types import TEXT_KINDS

# Prose long enough to mean the article (not a teaser list) has resumed.
_PROSE_WORDS = 20
# Comments only count as a trailing section once this much article came before.
_BODY_BEFORE_COMMENTS = 3
# Share of a caption's content words found in one body sentence that makes it a repeat.
_CAPTION_REPEAT = 0.8
# Longest standfirst accepted when no byline marks where the article starts.
_DECK_WORDS = 25


@dataclass
class Extracted:
    paragraphs: list[tuple[int, int, str]] = field(default_factory=list)
    title: str | None = None
    byline: str | None = None
    date: str | None = None
    place: str | None = None
    publisher: str | None = None
    removed: list[tuple[str, str]] = field(default_factory=list)  # (line, rule): what `show --dropped` lists
    page_title: str | None = None  # a whole page's first line when it reads as its <title> (see _page_title)


@dataclass
class _Para:
    start: int
    end: int
    kind: str = "body"
    t: str = ""  # whitespace-normalised text for the rules


def extract(text: str, markdown: bool = False, kinds: Mapping[int, str] | None = None,
            whole_page: bool = False) -> Extracted:
    """`kinds`: where blocks that are not plain paragraphs start (an extractor's headings, list
    items, quotes, captions).  `whole_page`: the text is a whole page as scraped (menus, teasers and
    footers around the article), not an extractor's output: only the article and its headline are kept."""
    out = _extract(text, markdown, kinds or {}, "model" if whole_page else None)
    # The model and the rules after it left no text: the page's longest run of prose is its
    # article rather than nothing (a teaser page, one paragraph among a hundred links), else its
    # longest paragraph that no rule flags (a page whose article its scraper never saw).
    for fallback in ("run", "longest") if whole_page else ():
        if any(kind in TEXT_KINDS for _, _, kind in out.paragraphs):
            break
        out = _extract(text, markdown, kinds or {}, fallback)
    if not any(kind in TEXT_KINDS for _, _, kind in out.paragraphs):
        # A page whose only text is a photo's caption (a picture or video page), or else a headline: that is its article.
        only = "caption" if any(kind == "caption" for _, _, kind in out.paragraphs) else None
        out.paragraphs = [(start, end, "body" if only in (None, kind) else kind) for start, end, kind in out.paragraphs]
    return out


def _extract(text: str, markdown: bool, kinds: Mapping[int, str], zone: str | None) -> Extracted:
    out = Extracted()
    dropped: list[str] = []
    # An extractor's output has no menus left; short blocks in a row there are a list or a table.
    items = _paragraphs(text, markdown, kinds, out, dropped, menus=zone is not None)
    whole_page = zone is not None
    if zone:
        items = _article_zone(items, out, dropped, zone)

    paras: list[_Para] = []
    meta_at: list[int] = []  # positions in `paras` where a byline/timestamp line stood
    zone: str | None = None  # "hard" after a section heading, "soft" after a paywall pitch
    long_body = 0
    for n, (p, reason) in enumerate(items):
        if whole_page and not reason and p.kind == "body" and cleaning.teaser_label(p.t):
            reason = "teaser label"  # (after the page text model, which reads the line rules' verdicts)
        if cleaning.is_comments_marker(p.t) and long_body >= _BODY_BEFORE_COMMENTS:
            dropped.extend(q.t for q, _ in items[n:])
            out.removed.extend((q.t, "comments") for q, _ in items[n:])
            break
        if cleaning.is_zone_marker(p.t):
            zone = "hard"
        elif reason == "promotion" and whole_page:
            # (an extractor's output holds no paywall box: what follows a pitch there is the
            # article's, a recipe's ingredients or a table, not more of the pitch)
            zone = zone or "soft"
        elif zone and _prose(p.t):
            zone = None
        if reason or (zone == "hard") or (zone == "soft" and _pitchy(p.t)):
            dropped.append(p.t)
            out.removed.append((p.t, rule_name(reason) if reason else "related_zone" if zone == "hard" else "paywall"))
            continue
        if _metadata_line(p.t, out):
            meta_at.append(len(paras))
            out.removed.append((p.t, "metadata_line"))  # read into the source (byline, date), not quoted
            continue
        paras.append(p)
        if p.kind == "body" and len(p.t.split(None, 12)) >= 12:
            long_body += 1
    _headline(paras, out, meta_at)
    _title_from_page(out)
    _datelines(paras, out)
    kept = _dedupe(paras)
    kept_ids = {id(p) for p in kept}
    out.removed.extend((p.t, "repeat") for p in paras if id(p) not in kept_ids)
    paras = kept
    out.paragraphs = [(p.start, p.end, p.kind) for p in paras]
    if not out.publisher:
        out.publisher = metadata.publisher_from_boilerplate(dropped)
    return out


def _paragraphs(text: str, markdown: bool, kinds: Mapping[int, str], out: Extracted,
                dropped: list[str], menus: bool = True) -> list[tuple[_Para, str | None]]:
    """The page's paragraphs, photo credits cut off, each with the line rules' reason to drop it."""
    items: list[tuple[_Para, str | None]] = []
    for span in cleaning.split_paragraphs(text):
        p = _Para(span.start, span.end)
        if markdown:
            _strip_markdown(text, p)
        raw = text[p.start:p.end]
        cap = None if kinds.get(p.start) == "title" else cleaning.caption_parts(raw)
        if cap == (0, 0):
            # A photo credit names the agency, not the publisher; a copyright line may name the page.
            copyright_line = re.match(r"(?:©|copyright)", raw.strip(), re.IGNORECASE) is not None
            if copyright_line:
                dropped.append(cleaning.norm(raw))
            out.removed.append((cleaning.norm(raw), "copyright" if copyright_line else "photo_credit"))
            continue
        if cap and cap[1] < len(raw.rstrip()):
            out.removed.append((cleaning.norm(raw[cap[1]:]), "photo_credit"))
        if cap:
            p.start, p.end, p.kind = p.start + cap[0], p.start + cap[1], "caption"
        elif p.start in kinds:
            p.kind = kinds[p.start]
            if p.kind == "caption":
                credit = _CAPTION_CREDIT.search(raw)
                if credit:  # "Bild: Stefan Müller", "© E. Schwinge", "Foto: LN" in any language
                    out.removed.append((cleaning.norm(credit.group(0)), "photo_credit"))
                    p.end = p.start + len(raw[:credit.start()].rstrip(" .,;|/–—-"))
                    if p.end <= p.start:
                        continue
        elif markdown and p.kind == "body":
            p.kind = _markdown_kind(text, p)
        p.t = cleaning.norm(text[p.start:p.end])
        items.append((p, cleaning.boilerplate_reason(p.t)))
    return _mark_menus(items) if menus else items


# A figure caption's closing credit by its shape: one short label word and a colon, or ©, then
# one to four capitalised names ("Bild: Stefan Müller", "Foto: dpa/AP", "© E. Schwinge").
_CAPTION_CREDIT = re.compile(
    r"(?:^|(?<=\s))(?:[A-ZÀ-Ý][a-zà-ÿ]{1,11}\s?:|©)\s*(?:[\w.&'’-]+(?:\s?/\s?[\w.&'’-]+)*)(?:\s[A-ZÀ-Ý][\w.&'’-]*){0,3}\s*$")


def page_paragraphs(text: str, markdown: bool = False) -> list[tuple[str, str | None]]:
    """(whitespace-normalised text, line rules' reason or None) of each paragraph of a whole page:
    what the page text model reads (benchmarks/fit_page_text.py fits it on these)."""
    return [(p.t, reason) for p, reason in _paragraphs(text, markdown, {}, Extracted(), [])]


def _article_zone(items: list[tuple[_Para, str | None]], out: Extracted, dropped: list[str],
                  how: str = "model") -> list[tuple[_Para, str | None]]:
    """The article's paragraphs of a whole page (zones.py), found by `how`: "model", "run" (the
    longest run of prose) or "longest" (the longest paragraph no rule flags); the rest is page
    furniture.  Metadata lines above the article are still read for the source."""
    if not any(reason for _, reason in items) and all(
            p.kind != "body" or zones.ends_sentence(p.t) or zones.is_prose(p.t) or _describes(p.t) for p, _ in items[1:]):
        # nothing but a title, bylines, dates, sentences and marked headings, lists and quotes, and
        # no line the rules flag: an article file, not a page
        return items
    if how == "longest":
        # (a sentence before any label, however long)
        sizes = [(-1, 0.0) if reason or _describes(p.t) else (int(zones.ends_sentence(p.t)), cleaning.word_count(p.t))
                 for p, reason in items]
        best = max(sizes, default=(-1, 0.0))
        if best[0] < 0:
            return items
        keep = [n == sizes.index(best) for n in range(len(items))]
    elif how == "run":
        run = zones.article_run([zones.weight(cleaning.word_count(p.t), zones.ends_sentence(p.t), reason is not None)
                                 for p, reason in items])
        if run is None:
            return items
        keep = [run[0] <= n < run[1] for n in range(len(items))]
    else:
        keep = zones.article_paragraphs([p.t for p, _ in items], [reason is not None for _, reason in items])
    if not any(keep):
        return items
    out.page_title = _page_title(items)
    first = keep.index(True)
    last = len(keep) - keep[::-1].index(True)
    # A short sentence right after article text continues it ("More rain is expected later this week.").
    for n in range(1, len(items)):
        p, reason = items[n]
        if keep[n - 1] and not keep[n] and not reason and zones.ends_sentence(p.t) and len(p.t.split()) >= _TAIL_WORDS:
            keep[n] = True
    _lists_in_article(items, keep)
    # A label that introduces what follows ("Read also:", "Tags:") is the article's only when what follows is.
    for n in range(len(items)):
        if keep[n] and items[n][0].t.endswith(":") and cleaning.word_count(items[n][0].t) <= _LABEL_WORDS \
                and (n + 1 == len(items) or not keep[n + 1]):
            keep[n] = False
    # A photo's caption (marked as one, or ending in a credit) between article paragraphs is the article's.
    for n in range(first + 1, last):
        if items[n][0].kind == "caption" and not items[n][1]:
            keep[n] = True
    # The page's <title> line ("Headline | Site") above the headline itself: the headline is the title.
    page_title = items[0][0].t.casefold()
    if keep[0] and any(keep[n] and items[n][0].t.casefold() in page_title for n in range(1, min(len(items), _HEADLINE_REACH))):
        keep[0] = False
    first = keep.index(True) if any(keep) else first
    last = len(keep) - keep[::-1].index(True)
    top = items[first][0]
    if _headline_like(top) and cleaning.word_count(top.t) >= 2 and not _describes(top.t):
        headline = first  # the article's own headline
        body_first = next((n for n in range(first + 1, len(keep)) if keep[n]), len(keep))
    else:
        headline, body_first = _headline_above(items, first), first
    if headline is not None:
        keep[headline] = True
        first = headline
        # its standfirst: the first line under it that is neither furniture nor a byline or date
        for n in range(headline + 1, body_first):
            p, reason = items[n]
            if not reason and not _describes(p.t):
                keep[n] = len(p.t.split()) <= _DECK_WORDS * 2
                break
    kept = []
    for n, ((p, reason), k) in enumerate(zip(items, keep)):
        if k or reason:  # a flagged line goes anyway, under its own rule (and may open a zone)
            kept.append((p, reason))
        elif n < body_first and not reason and _metadata_line(p.t, out):
            out.removed.append((p.t, "metadata_line"))
        else:
            dropped.append(p.t)
            out.removed.append((p.t, "page_header" if n < body_first else "page_footer" if n >= last else "page_furniture"))
    return kept


# A sentence this long right after the article's text is more of it.
_TAIL_WORDS = 4
# A line ending in a colon of at most this many words introduces what follows it.
_LABEL_WORDS = 8
# A list the article introduces ("Ticket machines:") runs to its next paragraph: up to this many items.
_LIST_ITEMS = 15


def _describes(t: str) -> bool:
    """A byline or a date (in any language by shape: mostly digits, "2024年3月12日", "12.03.2024 14:05")."""
    if metadata.byline(t) or metadata.is_timestamp(t):
        return True
    chars = [ch for ch in t if not ch.isspace()]
    return len(t.split()) <= 6 and sum(ch.isdigit() for ch in chars) >= 0.4 * len(chars)


def _lists_in_article(items: list[tuple[_Para, str | None]], keep: list[bool]) -> None:
    """Keep the short lines between an article paragraph that ends in a colon and the next one."""
    n = 0
    while n < len(items):
        if keep[n] and items[n][0].t.endswith(":"):
            end = n + 1
            while end < len(items) and not keep[end] and end - n <= _LIST_ITEMS and not items[end][1] \
                    and len(items[end][0].t.split()) <= 12:
                end += 1
            if end < len(items) and keep[end] and end > n + 1:
                keep[n + 1:end] = [True] * (end - n - 1)
            n = end
        else:
            n += 1


# How far above the article's first paragraph its headline may stand (bylines, dates, share bars).
_HEADLINE_REACH = 12


def _headline_above(items: list[tuple[_Para, str | None]], first: int) -> int | None:
    """The headline of a whole page whose article begins without one: the nearest line above it
    that reads as a headline (several words, no closing stop, not a byline or a date), preferring
    the one the page's first line (its <title>, as scrapers write it) repeats."""
    page_title = items[0][0].t.casefold()
    found = []
    for n in range(first - 1, max(-1, first - 1 - _HEADLINE_REACH), -1):
        p, reason = items[n]
        if reason or not _headline_like(p) or cleaning.word_count(p.t) < 2 or _describes(p.t):
            continue
        if n > 0 and p.t.casefold() in page_title:
            return n
        found.append(n)
    if not found:
        return None
    # A headline and its standfirst both read as headlines: the upper of two stacked lines is the headline.
    return found[0] - 1 if len(found) > 1 and found[1] == found[0] - 1 else found[0]


def _page_title(items: list[tuple[_Para, str | None]]) -> str | None:
    """A whole page's first line when it reads as a headline (no rule flags it, two words or more, not
    a byline or a date): scrapers write the page's <title> there ("Headline - Site"), as html_text does."""
    p, reason = items[0]
    if reason or not _headline_like(p) or cleaning.word_count(p.t) < 2 or _describes(p.t):
        return None
    return p.t


# A <title>'s closing site name: a separator between spaces, then up to 40 characters without one.
_SITE_SUFFIX = re.compile(r"\s+[|\-–—]\s+[^|\-–—]{2,40}$")


def _title_from_page(out: Extracted) -> None:
    """The article's title on a whole page is its <title> line, its closing site name cut, unless the
    headline found in the article is part of that line already.  What sits above a page's article
    ("EMBED <> More Videos", a photo's alt text, a section name) reads as a headline too often, while
    the <title> names the story on most pages: on trafilatura's 826 evaluation pages that declare a
    headline, the scraped text's title equals it (site name aside) on 78 % of them with this, 38 % without
    (benchmarks/bench_cleaning.py)."""
    if out.page_title is None or (out.title and out.title.casefold() in out.page_title.casefold()):
        return
    cut = _SITE_SUFFIX.sub("", out.page_title)
    out.title = cut if cleaning.word_count(cut) >= 2 else out.page_title


def rule_name(reason: str) -> str:
    """A line rule's reason as the stable snake_case name tools read ("ad marker" -> "ad_marker")."""
    return re.sub(r"[^a-z0-9]+", "_", reason.lower()).strip("_")


def _mark_menus(items: list[tuple[_Para, str | None]]) -> list[tuple[_Para, str | None]]:
    """Three or more short labels in a row (kept or already flagged) are a menu."""
    def label(item: tuple[_Para, str | None]) -> bool:
        p, reason = item
        return reason in ("navigation", "menu", "section heading") or (p.kind == "body" and cleaning.short_label(p.t))

    out = list(items)
    i = 0
    while i < len(out):
        j = i
        while j < len(out) and label(out[j]):
            j += 1
        if j - i >= 3:
            for k in range(i, j):
                p, reason = out[k]
                # a byline or date among the labels is still the article's metadata
                if not reason and not (metadata.byline(p.t) or metadata.is_timestamp(p.t)):
                    out[k] = (p, "menu")
        i = max(j, i + 1)
    return out


def _pitchy(t: str) -> bool:
    """Inside a paywall block: drop labels and anything still talking to the reader."""
    return not cleaning.sentence_like(t) or cleaning.pitch(t)


def _prose(t: str) -> bool:
    if cleaning.protected(t) and cleaning.boilerplate_reason(t) is None:
        return True
    return len(t.split()) >= _PROSE_WORDS and cleaning.sentence_like(t) and cleaning.boilerplate_reason(t) is None


def _strip_markdown(text: str, p: _Para) -> None:
    m = re.match(r"#{1,6}\s+", text[p.start:p.end])
    if m:
        p.start += m.end()
        p.end = p.start + len(text[p.start:p.end].rstrip("# \t"))
        p.kind = "heading"


# A Markdown list item ("- ", "* ", "+ ", "1. ") or quotation ("> "): the marker is left out of the quote.
_MARKDOWN_BLOCK = re.compile(r"(?:(?P<list>[-*+]|\d{1,3}[.)])|(?P<quote>>))[ \t]+")


def _markdown_kind(text: str, p: _Para) -> str:
    m = _MARKDOWN_BLOCK.match(text, p.start, p.end)
    if not m or m.end() >= p.end:
        return "body"
    p.start = m.end()
    return "list" if m.group("list") else "quote"


def _metadata_line(t: str, out: Extracted) -> bool:
    """Bylines and timestamps describe the article; they are not part of it."""
    name = metadata.byline(t)
    if name:
        out.byline = out.byline or name
        out.date = out.date or metadata.posted_date(t)
        return True
    if metadata.is_timestamp(t):
        out.date = out.date or metadata.posted_date(t)
        return True
    return False


def _headline_like(p: _Para) -> bool:
    t = p.t
    return (
        p.kind != "caption"
        and cleaning.word_count(t) <= 25
        and not re.search(r"[.:;,。．，：；]$", t)
        and metadata.dateline(t) is None
    )


def _headline(paras: list[_Para], out: Extracted, meta_at: list[int]) -> None:
    texts = [i for i, p in enumerate(paras) if p.kind != "caption"]
    if not texts or not (paras[texts[0]].kind == "title" or _headline_like(paras[texts[0]])):
        return
    first, nxt = texts[0], (texts[1] if len(texts) > 1 else None)
    # A short label (site name, section, "Trump-Kim Summit") stacked above a longer headline; the
    # title an extractor marks as such is the headline, however short.
    if (
        paras[first].kind != "title"
        and nxt is not None
        and len(paras[first].t.split()) <= 4
        and _headline_like(paras[nxt])
        and len(paras[nxt].t.split()) >= len(paras[first].t.split()) + 3
    ):
        del paras[first]
        meta_at[:] = [m - 1 if m > first else m for m in meta_at]
        texts = [i for i, p in enumerate(paras) if p.kind != "caption"]
        first, nxt = texts[0], (texts[1] if len(texts) > 1 else None)
    paras[first].kind = "title"
    out.title = paras[first].t
    if nxt is None or not _deck_like(paras[nxt]) or not _has_body_after(paras, nxt):
        return
    # A standfirst sits above the byline; without a byline only a short one-liner qualifies.
    later_meta = [m for m in meta_at if m > first]
    if later_meta:
        if nxt < later_meta[0]:
            paras[nxt].kind = "deck"
    elif len(paras[nxt].t.split()) <= _DECK_WORDS or _headline_like(paras[nxt]):
        paras[nxt].kind = "deck"


def _deck_like(p: _Para) -> bool:
    return (
        p.kind == "body"
        and metadata.dateline(p.t) is None
        and len(p.t.split()) <= 40
        and len(cleaning.sentences(p.t)) <= 1
        and not cleaning.protected(p.t)
    )


def _has_body_after(paras: list[_Para], i: int) -> bool:
    return any(p.kind == "body" for p in paras[i + 1:])


def _datelines(paras: list[_Para], out: Extracted) -> None:
    for p in paras:
        if p.kind != "body":
            continue
        d = metadata.dateline(p.t)
        if d:
            out.place, date, pub = d
            out.date = date or out.date
            out.publisher = pub or out.publisher
        return


def _dedupe(paras: list[_Para]) -> list[_Para]:
    """Exact repeats go; a caption that only restates a body sentence goes."""
    body_sents: list[set[str]] | None = None  # only worked out when there is a caption to test
    seen: set[str] = set()
    kept: list[_Para] = []
    for p in paras:
        key = p.t.lower()
        if key in seen:
            continue
        seen.add(key)
        if p.kind == "caption":
            words = cleaning.content_words(p.t)
            if words and body_sents is None:
                body_sents = [cleaning.content_words(s)
                              for q in paras if q.kind != "caption" for s in cleaning.sentences(q.t)]
            if words and any(len(words & s) >= _CAPTION_REPEAT * len(words) for s in body_sents):
                continue
        kept.append(p)
    return kept
