"""What a segment keeps of each article besides its text: its source, its copies' sources, its file's
content key.  Kept and saved by column (one list per field), not as one object per article.

ArticleRecords.of(records)        from [{"source": {...}, "also": [{...}, ...], "key": "..."}, ...]
records[a] -> that dict again     (made when asked: merges and updates read a few fields of many)
records.paths, records.keys       one list each, in article order
ArticleRecords.gather(pairs)    (records, article) pairs' records, in that order
records.to_json() / from_json(v)  the saved form; from_json also reads the older list of dicts

At 400,000 articles the list of dicts took ~2.7 s to parse from JSON and ~3.5 s more to make every
Source; seven lists of strings parse in ~0.3 s and Sources are made only for the articles quoted.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from bot.corpus.types import Source

SOURCE_FIELDS = tuple(Source.__dataclass_fields__)


class ArticleRecords(Sequence[dict]):
    def __init__(self, columns: dict[str, Sequence], also: dict[int, list[dict]], keys: Sequence[str | None]):
        # Tuples, not lists: a tuple of strings is one object the garbage collector stops looking into
        # after its first pass, where it walks a list's every item at each full collection (at 400,000
        # articles the eight columns made each one of a server's collections ~50 ms longer).
        self.columns = {name: tuple(column) for name, column in columns.items()}  # source field -> its value per article
        self._in_field_order = tuple(self.columns[name] for name in SOURCE_FIELDS)  # (source's, positional)
        self.paths: tuple[str, ...] = self.columns["path"]
        self.also = also  # article -> its copies' sources, only for articles that have copies
        self.keys = tuple(keys)  # article -> its file's content key (Corpus.keys), None when unknown

    @classmethod
    def of(cls, records: "Sequence[dict] | ArticleRecords") -> "ArticleRecords":
        if isinstance(records, ArticleRecords):
            return records
        columns: dict[str, list] = {name: [] for name in SOURCE_FIELDS}
        for record in records:
            source = record["source"]
            for name, column in columns.items():
                column.append(source.get(name))
        also = {a: list(record["also"]) for a, record in enumerate(records) if record.get("also")}
        return cls(columns, also, [record.get("key") for record in records])

    def __eq__(self, other) -> bool:
        if not isinstance(other, ArticleRecords):
            return NotImplemented
        return (self.columns, self.also, self.keys) == (other.columns, other.also, other.keys)

    __hash__ = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, article: int) -> dict:  # type: ignore[override]
        record = {"source": self.source_fields(article), "also": list(self.also.get(article, ()))}
        key = self.keys[article]
        if key is not None:
            record["key"] = key
        return record

    def __iter__(self) -> Iterator[dict]:
        return (self[a] for a in range(len(self)))

    def source_fields(self, article: int) -> dict[str, str | None]:
        return {name: column[article] for name, column in self.columns.items()}

    def source(self, article: int) -> Source:
        # (from the columns in field order, positional: an answer makes one for each of its ~30 passages'
        # articles, and at 400,000 articles few are kept from earlier answers)
        return Source(*[column[article] for column in self._in_field_order])

    def also_sources(self, article: int) -> tuple[Source, ...]:
        return tuple(Source(**s) for s in self.also.get(article, ()))

    @classmethod
    def gather(cls, articles: Sequence[tuple["ArticleRecords", int]]) -> "ArticleRecords":
        """The records of these (records, article) pairs, in this order (a merge's)."""
        columns = {name: [records.columns[name][a] for records, a in articles] for name in SOURCE_FIELDS}
        also = {i: list(records.also[a]) for i, (records, a) in enumerate(articles) if a in records.also}
        return cls(columns, also, [records.keys[a] for records, a in articles])

    def to_json(self) -> dict:
        return {"columns": self.columns, "also": {str(a): v for a, v in sorted(self.also.items())}, "keys": self.keys}

    @classmethod
    def from_json(cls, value) -> "ArticleRecords":
        """The saved form (or the list of dicts segments of FORMAT_VERSION 5 kept); ValueError,
        TypeError or KeyError when it is neither."""
        if isinstance(value, list):
            return cls.of(value)
        columns, keys = value["columns"], value["keys"]
        if set(columns) != set(SOURCE_FIELDS) or not all(isinstance(c, list) and len(c) == len(keys)
                                                         for c in columns.values()):
            raise ValueError("article records of unequal lengths")
        also = {int(a): list(v) for a, v in value["also"].items()}
        if any(not 0 <= a < len(keys) for a in also):
            raise ValueError("copies of an article that is not there")
        return cls(dict(columns), also, list(keys))
