"""The corpus stage: article files in a folder -> cleaned articles with their sources.

types       the value types (Source, Paragraph, Article, Skipped, Corpus)
files       finding and reading one article file (decoding, sidecars)
html        HTML pages reduced to text
html_worker the same in a separate process, stopped after a time limit
extract     paragraphs of a page kept or dropped, and the metadata it shows
cleaning    the line rules that recognise page furniture
metadata    bylines, datelines, dates and publisher names
duplicates  near-duplicate detection (the same story in several files)
cache       each file's reading kept between builds (<index>/extract-cache/)
load        load_corpus: the whole folder read (or taken from the cache) and merged
"""
