"""Reduce an HTML page to its readable text, one blank-line-separated block per paragraph."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements that are never article prose.
_SKIP = {
    "script", "style", "noscript", "template", "svg", "iframe", "button", "select", "form", "nav", "aside",
    "canvas", "video", "audio", "object", "embed", "head", "input", "textarea",
}
# Page chrome; inside <article>/<main> a <header> usually holds the headline, so keep it there.
_CHROME = {"header", "footer"}
_BLOCK = {
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote",
    "figcaption", "figure", "tr", "table", "dd", "dt", "dl", "pre", "address", "hr", "title", "body", "header", "footer",
}
_VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr", "param"}
_FURNITURE_ATTR = re.compile(
    r"(?:^|[\s_-])(?:ad|ads|advert\w*|promo\w*|sponsor\w*|newsletter|related|share|sharing|social|comments?"
    r"|subscribe|subscription|paywall|cookie\w*|credit|copyright|byline-social|outbrain|taboola|breadcrumbs?)(?:$|[\s_-])",
    re.IGNORECASE,
)


class _Reducer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipping)
        self.blocks: list[tuple[str, bool]] = []  # (text, is a figure caption)
        self.buf: list[str] = []
        self.meta: dict[str, str] = {}
        self.in_body = 0

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def _flush(self) -> None:
        lines = [" ".join(line.split()) for line in "".join(self.buf).split("\n")]
        text = "\n".join(line for line in lines if line)
        if text:
            self.blocks.append((text, any(t == "figcaption" for t, _ in self.stack)))
        self.buf = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"].strip())
            return
        if tag == "link" and "canonical" in a.get("rel", "").lower() and a.get("href"):
            self.meta.setdefault("canonical", a["href"].strip())
            return
        if tag == "br":
            if not self.skipping:
                self.buf.append("\n")
            return
        if tag in _BLOCK:
            self._flush()
        if tag in _VOID:
            return
        inside_article = any(t in ("article", "main") for t, _ in self.stack)
        attr_text = " ".join([a.get("class", ""), a.get("id", ""), a.get("role", "")])
        skip = (
            self.skipping
            or tag in _SKIP
            or (tag in _CHROME and not inside_article)
            or a.get("role", "") in ("navigation", "banner", "contentinfo", "complementary")
            or a.get("aria-hidden") == "true"
            or "hidden" in a
            or bool(_FURNITURE_ATTR.search(attr_text))
        )
        self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK:
            self._flush()
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] == "title":
            self.meta.setdefault("html:title", " ".join(data.split()))
            return
        if not self.skipping:
            self.buf.append(data.replace("\n", " "))


def reduce_html(markup: str) -> tuple[str, dict[str, str], set[int]]:
    """(article text, meta tags, start offsets of figure captions); the text keeps
    block structure as blank-line-separated paragraphs."""
    parser = _Reducer()
    parser.feed(markup)
    parser.close()
    parser._flush()
    parts: list[str] = []
    captions: set[int] = set()
    pos = 0
    for text, is_caption in parser.blocks:
        if is_caption:
            captions.add(pos)
        parts.append(text)
        pos += len(text) + 2
    return "\n\n".join(parts) + ("\n" if parts else ""), parser.meta, captions
