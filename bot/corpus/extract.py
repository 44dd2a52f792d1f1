"""One decoded page -> kept paragraph spans (title/deck/body/caption) and the metadata it shows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.corpus import cleaning, metadata

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


@dataclass
class _Para:
    start: int
    end: int
    kind: str = "body"
    t: str = ""  # whitespace-normalised text for the rules


def extract(text: str, markdown: bool = False, captions: frozenset[int] | set[int] = frozenset()) -> Extracted:
    out = Extracted()
    dropped: list[str] = []
    items: list[tuple[_Para, str | None]] = []
    for span in cleaning.split_paragraphs(text):
        p = _Para(span.start, span.end)
        if markdown:
            _strip_markdown(text, p)
        raw = text[p.start:p.end]
        cap = cleaning.caption_parts(raw)
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
        elif p.start in captions:
            p.kind = "caption"
        p.t = cleaning.norm(text[p.start:p.end])
        items.append((p, cleaning.boilerplate_reason(p.t)))
    items = _mark_menus(items)

    paras: list[_Para] = []
    meta_at: list[int] = []  # positions in `paras` where a byline/timestamp line stood
    zone: str | None = None  # "hard" after a section heading, "soft" after a paywall pitch
    long_body = 0
    for n, (p, reason) in enumerate(items):
        if cleaning.is_comments_marker(p.t) and long_body >= _BODY_BEFORE_COMMENTS:
            dropped.extend(q.t for q, _ in items[n:])
            out.removed.extend((q.t, "comments") for q, _ in items[n:])
            break
        if cleaning.is_zone_marker(p.t):
            zone = "hard"
        elif reason == "promotion":
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
    _datelines(paras, out)
    kept = _dedupe(paras)
    out.removed.extend((p.t, "repeat") for p in paras if not any(q is p for q in kept))
    paras = kept
    out.paragraphs = [(p.start, p.end, p.kind) for p in paras]
    if not out.publisher:
        out.publisher = metadata.publisher_from_boilerplate(dropped)
    return out


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
                out[k] = (out[k][0], out[k][1] or "menu")
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
        and len(t.split()) <= 25
        and not re.search(r"[.:;,]$", t)
        and metadata.dateline(t) is None
    )


def _headline(paras: list[_Para], out: Extracted, meta_at: list[int]) -> None:
    texts = [i for i, p in enumerate(paras) if p.kind != "caption"]
    if not texts or not _headline_like(paras[texts[0]]):
        return
    first, nxt = texts[0], (texts[1] if len(texts) > 1 else None)
    # A short label (site name, section, "Trump-Kim Summit") stacked above a longer headline.
    if (
        nxt is not None
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
