"""quotebot: answers questions about a folder of news articles by quoting them."""

__version__ = "0.1.0"
