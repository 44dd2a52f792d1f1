"""The extraction cache: each article file's read result kept under the index folder between builds,
so a rebuild after adding, editing or deleting a few files reads only those.

Reading an HTML page (trafilatura) costs ~40 ms; hashing its bytes costs well under one.  An entry
is named by its key, the sha256 of everything the result depends on: the reading's version
(EXTRACTION_VERSION), the file's path in the corpus (it is the Source.path stored), the file's
bytes and its sidecar's bytes.  An edited file or sidecar has a new key, so it is read again; the
entries no build asked for are pruned.

ExtractCache(folder)
    .key(path, rel) -> str | None       None when the file cannot be read (then it is not cached)
    .get(key) -> (result, warnings) | None   None for a missing, damaged or mismatching entry
    .put(key, result, warnings) -> bool False when the entry could not be written
    .prune(keep)                        every entry whose key is not in `keep` removed

Entries are JSON (never pickle: a cache folder is no place to load code from), written to a
temporary file and renamed into place, so a killed build leaves whole entries or none.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from bot.corpus import EXTRACTION_VERSION
from bot.corpus.types import Article, Paragraph, Skipped, Source

# Bump when the layout of an entry changes (entries of another layout are ignored and redone).
ENTRY_LAYOUT = 1
_SUFFIX = ".json"
_SOURCE_FIELDS = tuple(Source.__dataclass_fields__)

Result = Article | Skipped


class ExtractCache:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def key(self, path: Path, rel: str) -> str | None:
        h = hashlib.sha256(f"extraction {EXTRACTION_VERSION}/layout {ENTRY_LAYOUT}\0{rel}\0".encode("utf-8", "backslashreplace"))
        try:
            if not path.is_file():  # a FIFO or device: reading it to hash it could block or never end
                return None
            h.update(path.read_bytes())
        except OSError:
            return None
        side = path.with_suffix(".json")
        try:
            h.update(b"\0sidecar\0" + side.read_bytes())
        except FileNotFoundError:
            h.update(b"\0no sidecar")
        except OSError:
            return None  # a sidecar that exists but cannot be read: read the file, and say why
        return h.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.folder / (key + _SUFFIX)

    def get(self, key: str) -> tuple[Result, list[str]] | None:
        try:
            data = json.loads(self._entry(key).read_text(encoding="utf-8"))
            if data.get("key") != key or not isinstance(data["warnings"], list):
                return None  # a renamed or copied entry says nothing about this file
            return _result(data["result"]), [_string(w) for w in data["warnings"]]
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return None  # missing or damaged (RecursionError: nested too deep for json): read the file again

    def put(self, key: str, result: Result, warnings: list[str]) -> bool:
        text = json.dumps({"key": key, "result": _plain(result), "warnings": warnings}, ensure_ascii=False)
        tmp = None
        try:
            try:
                fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.folder)
            except FileNotFoundError:  # (made when first needed, or again if removed meanwhile: not a stat a file)
                self.folder.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.folder)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, self._entry(key))
            return True
        except OSError:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
            return False

    def prune(self, keep: set[str]) -> None:
        """Entries of files no longer in the corpus (or no longer as they were), and temporary files
        of killed builds.  Only called by a build holding the index's lock."""
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        for name in names:
            stale = name.startswith(".tmp-") or (name.endswith(_SUFFIX) and name[: -len(_SUFFIX)] not in keep)
            if stale:
                try:
                    os.unlink(self.folder / name)
                except OSError:
                    pass


def _plain(result: Result) -> dict:
    if isinstance(result, Skipped):
        return {"skipped": {"path": result.path, "reason": result.reason}}
    return {"text": result.text, "paragraphs": [[p.start, p.end, p.kind] for p in result.paragraphs],
            "source": {name: getattr(result.source, name) for name in _SOURCE_FIELDS}}


def _result(data: dict) -> Result:
    """An entry's result as the reading gave it; TypeError/ValueError/KeyError when it is not one."""
    if "skipped" in data:
        return Skipped(_string(data["skipped"]["path"]), _string(data["skipped"]["reason"]))
    text = _string(data["text"])
    paragraphs = []
    for start, end, kind in data["paragraphs"]:
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
            raise ValueError("paragraph outside the text")
        paragraphs.append(Paragraph(start, end, _string(kind)))
    fields = data["source"]
    if set(fields) != set(_SOURCE_FIELDS) or not all(v is None or isinstance(v, str) for v in fields.values()):
        raise ValueError("not a source")
    _string(fields["path"])
    return Article(text=text, paragraphs=tuple(paragraphs), source=Source(**fields))


def _string(value) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value
