"""The index stage: articles -> BM25 over their sentences, saved on disk and opened again.

analysis    sentence splitting and term analysis of the whole corpus, on every core
bm25        BM25 postings with every weight computed once
spelling    typo correction against the indexed words
sentences   SentenceIndex: the BM25 indexes, the text to quote and the sources
checksums   how damage to the saved files is found
format      the index on disk: manifest, save/load, the CURRENT switch
build       building under a lock, and opening (rebuilding when stale)
"""
