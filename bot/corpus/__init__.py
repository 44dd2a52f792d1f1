"""The corpus stage: article files in a folder -> cleaned articles with their sources.

types       the value types (Source, Paragraph, Article, Skipped, Corpus)
folder      which files of the folder are articles and sidecars, listed fast
files       reading one article file (decoding, sidecars)
html        HTML pages reduced to text
html_worker the same in a separate process, stopped after a time limit
extract     paragraphs of a page kept or dropped, and the metadata it shows
cleaning    the line rules that recognise page furniture
metadata    bylines, datelines, dates and publisher names
duplicates  near-duplicate detection (the same story in several files)
cache       each file's reading kept between builds (<index>/extract-cache/)
load        load_corpus: the whole folder read (or taken from the cache) and merged
"""

# Bump when reading a file yields other paragraphs or metadata (the index's fingerprint includes it,
# so indexes built by the earlier reading are rebuilt).  2: HTML through trafilatura; 3: whole-page
# text through the page text model (zones.py), HTML tables kept; 4: heading/list/quote kinds, declared charsets;
# 5: an HTML page's title kept as its headline, captions placed by the page's figures (trafilatura asked
# for no images), text between an extractor's blocks and inline code kept, no paywall zone in an
# extractor's output, pages of only a caption or of no prose kept (no page lost), colon labels.
# 6: an HTML page's lead kept when the page shows the description it gives of itself; 7: links to other
# pages in an extractor's output left out by their shape (a label and a colon before a link, runs of links);
# 8: on whole-page text, a short label and a colon before another story's headline is left out; 9: a whole
# page's title is its <title> line (its first), unless the headline found is part of it.
EXTRACTION_VERSION = 9
