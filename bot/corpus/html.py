"""An HTML page -> its article text and the page's metadata, through trafilatura.

trafilatura (made for exactly this, and measured on thousands of real pages) finds the main text
and reads the page's metadata (title from JSON-LD / Open Graph / <title>, author, date, site name,
canonical url).  The page is parsed once: the extraction works on a copy of that tree, the metadata
and the figure captions are read from it.  The extracted body, tidied as trafilatura's XML output
is, keeps the structure: each paragraph, heading, list item and quote becomes one
blank-line-separated block of the text we index (the title first, marked as one), so the project's
own line rules (bot/corpus/extract.py, cleaning.py) still run on it and every quote stays an exact
substring.
"""

from __future__ import annotations

import html as html_entities
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

# Blocks of trafilatura's XML that hold article text, each one paragraph of ours.
_BLOCKS = {"p", "head", "item", "quote", "cell", "code"}
# Pages over this size are not news articles (a data dump, a saved web app): skipped, not parsed.
MAX_HTML_BYTES = 20_000_000


@dataclass(frozen=True)
class Page:
    text: str  # blank-line-separated blocks: the title first, then the article's blocks in order
    title: str | None = None
    author: str | None = None
    date: str | None = None  # YYYY-MM-DD
    sitename: str | None = None
    url: str | None = None
    # Where the blocks that are not plain paragraphs start in text, and what they are: "heading",
    # "list" (an item), "quote", "caption" (a figure's).
    kinds: dict[int, str] = field(default_factory=dict)
    # Blocks of the extractor's output left out of text, each with the rule that left it out.
    dropped: list[tuple[str, str]] = field(default_factory=list)


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


# What is left of a web address once trafilatura has tidied it as a name ("facebook.com" -> "Facebook Com").
_ADDRESS_NAME = re.compile(r"^(?:www\s+)?(?:\S+\s+){0,2}(?:com|net|org|info|de|at|ch|it|fr|es|pl|io|co|uk)$", re.I)
_BY = re.compile(r"^(?:by|von|por|par|di|door|av)\s+", re.I)


def _authors(value: str | None, sitename: str | None = None) -> str | None:
    """trafilatura joins several authors with "; ": a byline says "A, B".  The site's own name and
    web addresses are no author's."""
    site = (sitename or "").casefold()
    names = []
    # (entities first: the ";" of "Redacci&oacute;n" is no separator)
    for name in html_entities.unescape(value or "").split(";"):
        name = _BY.sub("", name.strip())
        if name and not _ADDRESS_NAME.match(name) and name.casefold() != site and name not in names:
            names.append(name)
    return ", ".join(names) or None


_JSON_LD = re.compile(r"""<script[^>]*type\s*=\s*["']?application/ld\+json["']?[^>]*>(.*?)</script>""", re.I | re.S)
_ARTICLE_TYPE = re.compile(r"Article|Posting|Report", re.I)


def _people(value) -> list[str]:
    """The names of the people (not organisations) in a JSON-LD author value."""
    if isinstance(value, list):
        return [name for item in value for name in _people(item)]
    if isinstance(value, dict):
        kind = str(value.get("@type", "Person"))
        name = value.get("name")
        return [name.strip()] if "Person" in kind and isinstance(name, str) and name.strip() else []
    return []


def _jsonld_authors(tree) -> list[str]:
    """The people the page's own JSON-LD names as its article's authors: more precise than a
    byline guessed from the page, which often adds the publisher (an Organization there)."""
    found: list[str] = []
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                if _ARTICLE_TYPE.search(str(item.get("@type", ""))):
                    found += [n for n in _people(item.get("author")) if n not in found]
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(reversed(graph))
    return [html_entities.unescape(n) for n in found]


def _page_tree(html: str):
    """The page as lxml parses it for a browser, or None when it cannot be parsed at all."""
    from lxml import html as lxml_html

    try:
        return lxml_html.fromstring(html)
    except (ValueError, TypeError, SyntaxError):  # lxml's ParserError is a ValueError subclass
        return None


@dataclass
class _Metadata:
    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    url: str | None = None
    description: str | None = None


_SITE_IN_URL = re.compile(r"https?://(?:www\.|w[0-9]+\.)?([^/]+)")


def _metadata(tree) -> _Metadata:
    """The page's title, authors, date, site name and address: trafilatura's own readers, in its
    order, on the tree its extraction parsed, less what quotebot never shows (categories, tags,
    licence) and with the author looked for in the page's text only when neither its JSON-LD nor
    its <meta> names one (that search copies and prunes the whole page: a third of the time)."""
    from htmldate import find_date
    from trafilatura import metadata as tm

    found = tm.examine_meta(tree)
    if found.author and " " not in found.author:
        found.author = None
    try:
        found = tm.extract_meta_json(tree, found)
    except Exception as e:  # as trafilatura guards its own JSON-LD reader
        logger.info("JSON-LD metadata unreadable: %s", e)
    people = _jsonld_authors(tree)
    title = found.title or tm.extract_title(tree)
    url = found.url or tm.extract_url(tree)
    sitename = found.sitename or tm.extract_sitename(tree)
    if sitename:
        sitename = sitename.lstrip("@")
        if sitename and "." not in sitename and not sitename[0].isupper():
            sitename = sitename.title()
    elif url and (m := _SITE_IN_URL.match(url)):
        sitename = m[1]
    try:
        date = find_date(tree, extensive_search=False, original_date=True, url=url)
    except Exception as e:  # a date parser failing on one odd page costs only the date
        logger.info("date unreadable: %s", e)
        date = None
    author = ", ".join(people) if people else _authors(_trimmed(found.author or _author_in_page(tree)), _trimmed(sitename))
    # (Unicode composed, as in trafilatura's output)
    return _Metadata(title=_composed(_trimmed(title)), author=_composed(author), date=_clean(date),
                     sitename=_composed(_clean(_trimmed(sitename))), url=_clean(_trimmed(url)),
                     description=_composed(_clean(_trimmed(found.description))))


def _composed(value: str | None) -> str | None:
    return unicodedata.normalize("NFC", value) if value else value


# Where a page names its author in its own markup, and the parts of a page that never do (comments,
# sidebars, dates, figures): trafilatura's rules (its AUTHOR_XPATHS, tried in order, and
# AUTHOR_DISCARD_XPATHS), tested in one pass over the page's elements: its XPath expressions of
# ten or more tests an element cost lxml over 2 ms a page each.
_AUTHOR_TAGS = (frozenset("a address div link p span strong".split()), frozenset("a div h3 h4 p span".split()))
_AUTHOR_TEST_IDS = frozenset({"AuthorCard", "AuthorURL"})
_AUTHOR_CLASS = re.compile(r"author-?name|AuthorName|authorName")
_BYLINE_CLASSES = frozenset({"byline", "username", "byl", "BBL"})
_BYLINE_ID = re.compile(r"author|zuozhe|bianji|xiaobian")
_BYLINE_CLASS = re.compile(r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name")
_ANY_ID = re.compile(r"[Aa]uthor")
_ANY_CLASS = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")
_PRUNED_TAGS = frozenset("a div section span".split())
_PRUNED_CLASSES = frozenset({"comments", "title", "date"})
_PRUNED_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_PRUNED_CLASS = re.compile(r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
                           r"|article-(?:share|support)|print|category|meta-date|meta-reviewer")
# Every pattern above for a class or an id holds one of these.
_CLASS_HINT = re.compile(r"uthor|omment|sidebar|is-hidden|quote|embedly|article-s|print|category|meta-|channel-name"
                         r"|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name|screenname|writer|yline")
_ID_HINT = re.compile(r"uthor|omment|ProductReviews|zuozhe|bianji|xiaobian")
_AUTHOR_CHARS = 120  # a longer text is no byline


def _author_in_page(tree) -> str | None:
    """The author the page's own markup names (a byline element), as trafilatura's extract_author
    finds it, without copying the whole page to prune it first: an element inside a pruned part
    is passed over and a pruned part's text left out of its ancestors' (its tail kept)."""
    from trafilatura.metadata import normalize_authors, trim

    found: tuple[list, list, list] = ([], [], [])
    gone = set()
    # (an element with a child <rel> reading "me": trafilatura's rule says rel='me', not @rel)
    rel_me = {r.getparent() for r in tree.iter("rel") if r.text_content() == "me"}
    for element in tree.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        attributes = element.attrib
        if not attributes:
            if tag == "author" or (tag in _AUTHOR_TAGS[0] and element in rel_me):
                found[0].append(element)
            elif tag in ("time", "figure"):
                gone.add(element)
            continue
        get = attributes.get
        cls, ident, itemprop, component = get("class"), get("id"), get("itemprop") or "", get("data-component") or ""
        # (one search rules out all the patterns below for most elements)
        some_cls = cls if cls and _CLASS_HINT.search(cls) else None
        some_id = ident if ident and _ID_HINT.search(ident) else None
        if tag in ("time", "figure") or tag in _PRUNED_TAGS and (
                "Figure" in component or (some_id and _PRUNED_ID.search(some_id)) or (some_cls and _PRUNED_CLASS.search(some_cls))
                or ident == "comments" or cls in _PRUNED_CLASSES):
            gone.add(element)
        if tag == "author" or tag in _AUTHOR_TAGS[0] and (
                cls == "author" or ident == "author" or itemprop == "author name" or get("rel") == "author"
                or get("data-testid") in _AUTHOR_TEST_IDS or (some_cls and _AUTHOR_CLASS.search(some_cls)) or element in rel_me):
            found[0].append(element)
        if tag in _AUTHOR_TAGS[1] and (cls in _BYLINE_CLASSES or "author" in itemprop
                                       or (some_id and _BYLINE_ID.search(some_id)) or (some_cls and _BYLINE_CLASS.search(some_cls))):
            found[1].append(element)
        if "Byline" in component or "author" in itemprop or (some_id and _ANY_ID.search(some_id)) or (some_cls and _ANY_CLASS.search(some_cls)):
            found[2].append(element)
    for candidates in found:
        for element in candidates:
            if element in gone or any(a in gone for a in element.iterancestors()):
                continue
            pieces: list[str] = []
            _pruned_text(element, gone, pieces)
            content = trim(" ".join(pieces))
            if content and 2 < len(content) < _AUTHOR_CHARS:
                return normalize_authors(None, content)
    return None


def _pruned_text(element, gone: set, pieces: list[str]) -> None:
    """element.itertext() as it reads once the `gone` elements are deleted keeping their tails
    (each tail joins the text before it, as trafilatura's delete_element joins it)."""
    slot = element.text
    for child in element:
        if child in gone:
            if child.tail:
                slot = (slot or "") + child.tail
            continue
        if slot is not None:
            pieces.append(slot)
        _pruned_text(child, gone, pieces)
        slot = child.tail
    if slot is not None:
        pieces.append(slot)


def _trimmed(value: str | None) -> str | None:
    """As trafilatura trims a metadata field: entities read, control characters and spaces tidied."""
    from trafilatura.utils import line_processing

    if not value:
        return value
    if len(value) > 10000:
        value = value[:9999] + "…"
    return line_processing(html_entities.unescape(value))


# trafilatura's XML elements that make a block something other than a plain paragraph.
_KINDS = {"head": "heading", "item": "list", "list": "list", "quote": "quote"}


class _Blocks:
    """Which elements of trafilatura's output are blocks of their own, and which hold one: code
    inside a paragraph, list item or heading is part of its sentence, not a block."""

    def __init__(self, main) -> None:
        self.blocks = set()
        for element in main.iter(*_BLOCKS):
            if element.tag != "code" or not any(a.tag in _BLOCKS for a in element.iterancestors(*_BLOCKS)):
                self.blocks.add(element)
        self.holders = set()
        for element in self.blocks:
            for ancestor in element.iterancestors():
                if ancestor in self.holders:
                    break
                self.holders.add(ancestor)

    def items(self, container, out: list[tuple[str, str, int]]) -> None:
        """(text, kind, characters of it inside links) of every block under `container`, in page
        order, and of the text that lies between blocks straight in a container (trafilatura leaves
        a heading's next paragraph there when it reads it as a text run): one block for each such run."""
        loose = [container.text or ""]
        linked = [0]
        for child in container:
            if child in self.blocks:
                self._flush(loose, linked, container, out)
                if child in self.holders:  # a list's items, a quote's paragraphs are blocks of their own;
                    # what the element holds outside them (a table cell's text after its paragraph) is one more
                    out.append(_block(self.loose_text(child), _kind(child)))
                    self._inner(child, out)
                else:
                    out.append(_block(_text_and_links(child), _kind(child)))
            elif child in self.holders:
                self._flush(loose, linked, container, out)
                self.items(child, out)
            else:
                text, links = _text_and_links(child)
                loose.append(text)
                linked[0] += links
            loose.append(child.tail or "")
        self._flush(loose, linked, container, out)

    def _inner(self, block, out: list[tuple[str, str, int]]) -> None:
        for child in block:
            if child in self.blocks:
                if child in self.holders:
                    out.append(_block(self.loose_text(child), _kind(child)))
                    self._inner(child, out)
                else:
                    out.append(_block(_text_and_links(child), _kind(child)))
            elif child in self.holders:
                self._inner(child, out)

    @staticmethod
    def _flush(loose: list[str], linked: list[int], container, out: list[tuple[str, str, int]]) -> None:
        if "".join(loose).strip():
            out.append(("".join(loose), _kind(container), linked[0]))
        loose.clear()
        linked[0] = 0

    def loose_text(self, element) -> tuple[str, int]:
        """The text of an element that lies outside the blocks inside it, and how much of it is links."""
        parts = [element.text or ""]
        links = 0
        for child in element:
            if child not in self.blocks and child not in self.holders:
                text, linked = _text_and_links(child)
                parts.append(text)
                links += linked
            parts.append(child.tail or "")
        return "".join(parts), links


def _block(text_and_links: tuple[str, int], kind: str) -> tuple[str, str, int]:
    return text_and_links[0], kind, text_and_links[1]


def _text_and_links(element) -> tuple[str, int]:
    """An element's text, and how many of its characters (spaces left out) lie inside links."""
    text = "".join(element.itertext())
    if element.tag == "ref":
        return text, len("".join(text.split()))
    return text, sum(len("".join("".join(ref.itertext()).split())) for ref in element.iter("ref"))


# A short label and a colon before a link to another page ("Read more: <headline>", "Lea también: …").
_LINK_LABEL = re.compile(r"^\W{0,3}(?:[^\s:：]+\s?){1,4}[:：]\s")
_LABEL_CHARS = 32
# Share of a labelled block's letters inside links that makes it a teaser for another page.
_LABELLED_LINK = 0.6
# Share of a block's letters inside links that makes it a link; this many such blocks in a row are a list of links.
_LINKED = 0.9
_LINK_RUN = 2
# A block above a list of links of at most this many words, without a closing stop, is its heading.
_LINK_HEADING_WORDS = 5
_CLOSING_STOP = re.compile(r"[.!?。！？…][\"'”’»)\]」』]*$")


def _link_furniture(found: list[tuple[str, str, int]]) -> dict[int, str]:
    """The blocks of the extractor's output that point readers to other pages, by their shape: a
    short label and a colon before a link ("link_teaser"), a run of blocks that are all links with
    the short heading above them ("link_list").  n -> rule; none when that would leave no text."""
    share = [links / max(len("".join(text.split())), 1) for text, _, links in found]
    drop: dict[int, str] = {}
    for n, (text, _, _) in enumerate(found):
        label = _LINK_LABEL.match(text[:_LABEL_CHARS]) if share[n] >= _LABELLED_LINK else None
        if label:
            drop[n] = "link_teaser"
    n = 0
    while n < len(found):
        end = n
        while end < len(found) and share[end] >= _LINKED:
            end += 1
        if end - n >= _LINK_RUN:
            for k in range(n, end):
                drop.setdefault(k, "link_list")
            above = found[n - 1][0] if n else ""
            if above and len(above.split()) <= _LINK_HEADING_WORDS and not _CLOSING_STOP.search(above):
                drop.setdefault(n - 1, "link_list")
        n = max(end, n + 1)
    if len(drop) == len(found):
        return {}
    return drop


def _kind(element) -> str:
    """What a block is: a heading, a list item, a quotation (also a paragraph inside one), or body."""
    while element is not None and element.tag != "main":
        if element.tag in _KINDS:
            return _KINDS[element.tag]
        element = element.getparent()
    return "body"


def read_html(html: str) -> Page | None:
    """The article text and metadata of a page; None when the page holds no article text."""
    import trafilatura  # ~0.2 s to import: only building an index reads HTML, never a question
    from trafilatura.utils import load_html

    try:
        # One parse serves the extraction (which works on its own copy), the metadata and the captions.
        tree = load_html(html)
        if tree is None:
            return None
        document = trafilatura.bare_extraction(tree, output_format="xml", include_comments=False, include_tables=True,
                                               include_images=False, include_formatting=False, deduplicate=False,
                                               include_links=True)  # (links only mark blocks: see _link_furniture)
    except Exception as e:  # a library failing on one odd page must not stop a build
        logger.info("trafilatura failed: %s", e)
        return None
    if document is None or document.body is None:
        return None
    main = _output_tree(document.body)
    try:
        meta = _metadata(tree)
    except Exception as e:  # the text is still worth indexing without its metadata
        logger.info("page metadata unreadable: %s", e)
        meta = _Metadata()
    title = _clean(meta.title)
    items: list[tuple[str, str]] = [(title, "title")] if title else []
    found: list[tuple[str, str, int]] = []
    _Blocks(main).items(main, found)
    found = [(block, kind, links) for text, kind, links in found if (block := _clean(text))]
    furniture = _link_furniture(found)
    dropped = [(found[n][0], rule) for n, rule in sorted(furniture.items())]
    for n, (block, kind, _) in enumerate(found):
        if n not in furniture and not (block == title and len(items) == 1):  # (the headline again, right under the title)
            items.append((block, kind))
    if len(items) <= (1 if title else 0):
        return None
    lead = _shown_lead(tree, meta.description, [block for block, _ in items])
    if lead:
        items.insert(1 if title else 0, (lead, "body"))
    blocks: list[str] = []
    kinds: dict[int, str] = {}
    at = 0
    captions = _captions_before(tree, [block for block, _ in items], below=1 if title else 0)
    for n, (block, kind) in enumerate(items):
        for caption in captions.get(n, ()):
            kinds[at] = "caption"
            blocks.append(caption)
            at += len(caption) + 2
        if kind != "body":
            kinds[at] = kind
        blocks.append(block)
        at += len(block) + 2
    return Page(text="\n\n".join(blocks), title=title, author=meta.author, date=meta.date,
                sitename=meta.sitename, url=meta.url, kinds=kinds, dropped=dropped)


# A page's description shorter than this is a label, not its article's lead.
_LEAD_WORDS = 6
# Characters of the description that find it on the page and in the extracted text.
_LEAD_KEY = 40
# Elements whose text no reader sees.
_UNSEEN = frozenset("script style noscript template title head meta".split())
# Elements that hold a lead as a block of its own.
_LEAD_BLOCKS = frozenset("p div section header article li td dd blockquote h2 h3 h4 h5 h6 span".split())


def _shown_lead(tree, description: str | None, blocks: list[str]) -> str | None:
    """The article's lead (standfirst), which extractors often leave out: the page's own summary
    (its <meta> description) when the page also shows it as text and the extracted article does
    not hold it.  Returned as the page shows it: the block whose text holds the description."""
    if not description or len(description.split()) < _LEAD_WORDS:
        return None
    key = description[:_LEAD_KEY]
    if any(key in block for block in blocks):
        return None
    probe = key[:12]
    for element in tree.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        for text, holder in ((element.text, element), (element.tail, element.getparent())):
            if not text or probe not in text or holder is None or holder.tag in _UNSEEN:
                continue
            if key not in " ".join(text.split()):
                continue
            block = holder
            while block is not None and block.tag not in _LEAD_BLOCKS:
                block = block.getparent()
            shown = _clean(block.text_content()) if block is not None else None
            if not shown or len(shown) > 2 * len(description) + 200:
                shown = _clean(text)
            if shown and not any(shown[:_LEAD_KEY] in b for b in blocks):
                return shown
            return None
    return None


# Elements whose text is a block a reader sees (a figure's own caption aside).
_TEXT_TAGS = frozenset("p h1 h2 h3 h4 h5 h6 li blockquote td th dd".split())
# The first this many characters of a block's text are enough to find it in the extracted article.
_BLOCK_PREFIX = 60


def _captions_before(tree, blocks: list[str], below: int = 0) -> dict[int, list[str]]:
    """The captions of the page's figures that stand in the article: n -> the captions of the
    figures whose next text on the page is extracted block n (never above the first `below`
    blocks: the title).  trafilatura
    keeps no captions, and asked to keep images it keeps teaser rails with them; a figure in a
    rail is followed by the rail's own text, not by the article's."""
    found: dict[int, list[str]] = {}
    starts = {block[:_BLOCK_PREFIX]: n for n, block in reversed(list(enumerate(blocks)))}
    for figure in tree.iter("figure"):
        caption = _clean(" ".join(c.text_content() for c in figure.iter("figcaption")))
        if not caption or any(caption in block for block in blocks):
            continue
        following = _next_text(figure)
        n = starts.get((following or "")[:_BLOCK_PREFIX])
        if n is not None:
            n = max(n, below) if len(blocks) > below else n
            if caption not in found.get(n, []):
                found.setdefault(n, []).append(caption)
    return found


def _next_text(figure) -> str | None:
    """The text of the first block after `figure` on the page (other figures passed over)."""
    node = figure
    while True:
        after = node.getnext()
        while after is None:
            node = node.getparent()
            if node is None:
                return None
            after = node.getnext()
        node = after
        if not isinstance(node.tag, str) or node.tag == "figure":
            continue
        for element in node.iter():
            if element.tag in _TEXT_TAGS and not any(a.tag == "figure" for a in element.iterancestors("figure")):
                text = _clean(element.text_content())
                if text:
                    return text
        text = _clean(node.text_content()) if node.tag not in ("script", "style") else None
        if text and node.tag not in _TEXT_TAGS:  # text straight in a <div>
            return text


def _output_tree(body):
    """trafilatura's extracted body as its XML output has it (nested blocks merged, text
    sanitised, Unicode composed, laid out one element a line: a table's cells keep a space between
    them), without its metadata and comments.  Its empty elements are left: they make no block
    (the same text on all 990 evaluation pages)."""
    from lxml import etree
    from trafilatura.utils import sanitize_tree
    from trafilatura.xml import CONTROL_PARSER, strip_double_tags

    strip_double_tags(body)
    body.tag = "main"
    body.attrib.clear()
    tidy = etree.fromstring(etree.tostring(sanitize_tree(body), encoding="unicode"), CONTROL_PARSER)
    laid_out = unicodedata.normalize("NFC", etree.tostring(tidy, pretty_print=True, encoding="unicode"))
    return etree.fromstring(laid_out)


# Elements whose text is never shown on a page.
_INVISIBLE = ("script", "style", "noscript", "template", "head")
# Block elements: a block with no block inside it is one piece of the page's visible text.
_BLOCK_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "figcaption", "blockquote",
               "div", "section", "article", "header", "footer", "nav", "aside", "form", "body"}


def left_out(html: str, page: Page | None) -> list[str]:
    """The page's visible text blocks that the extractor did not keep, in page order: what a user
    sees on the page and will not find in the index (for `show --dropped`)."""
    root = _page_tree(html)
    if root is None:
        return []
    for element in list(root.iter(*_INVISIBLE)):  # (dropping while iterating would skip some)
        element.drop_tree()
    kept = set((page.text if page else "").split("\n\n"))
    out: list[str] = []
    seen: set[str] = set()
    for element in root.iter():
        if element.tag not in _BLOCK_TAGS or any(d.tag in _BLOCK_TAGS for d in element.iterdescendants()):
            continue
        block = _clean(element.text_content())
        if block and block not in kept and block not in seen:
            seen.add(block)
            out.append(block)
    return out

