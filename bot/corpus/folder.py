"""The corpus folder: which of its files are articles, and what an index built from them depends on.

corpus_files(folder) -> list[Path]              the article files, in the order they are read
fingerprint_files(folder) -> list[Path]         those plus their sidecar .json files
file_states(folder) -> list[(relative, stat)]   the same, each with its stat (one per file)
relative_path(path, folder) -> str              a file's name as sources and messages give it

Every start-up lists the folder to see whether the saved index still matches it, so the listing is
done on strings with one stat per file (no Path object per file, no second stat for a sidecar); this
module imports nothing of the reading, so a start-up that finds its index fresh never compiles the
reading's rules.
"""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bot.errors import QuotebotError

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
SIDECAR_SUFFIX = ".json"


def check_folder(folder: Path) -> Path:
    """The corpus folder as a Path; QuotebotError when it is missing or not a folder."""
    folder = Path(folder)
    if not folder.exists():
        raise QuotebotError(f"Corpus folder {folder} does not exist")
    if not folder.is_dir():
        raise QuotebotError(f"Corpus folder {folder} is not a folder")
    return folder


def _hidden(name: str) -> bool:
    return name.startswith(".")


def _saved_page_assets(directory: str, files: list[str]) -> bool:
    """A browser's "save page, complete" writes NAME.html and a NAME_files/ folder of its frames,
    scripts and images beside it: that folder holds no articles."""
    if not directory.endswith("_files"):
        return False
    page = directory[: -len("_files")].lower()
    return any(f.lower() in (page + ".html", page + ".htm") for f in files)


def display_name(rel: str) -> str:
    # A file name that is not UTF-8 arrives with surrogate escapes, which no JSON or terminal takes:
    # show its odd bytes as \xNN instead.
    return rel if rel.isascii() else rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@contextmanager
def _no_collections() -> Iterator[None]:
    """The cyclic garbage collector held while a listing runs: at 400,000 files a listing makes over a
    million strings, tuples and stat results that live until it ends (none of them in a cycle), and
    the collector's passes over them took a fifth of the listing's time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _listing(folder: Path) -> list[tuple[str, str, bool]]:
    """(relative name, full path, is a sidecar) of the articles and their sidecars, each article followed
    by its sidecar, in the order of the articles' names as displayed.  (Its callers hold the collector
    over it and over what they make of it: `_no_collections`.)"""
    folder = check_folder(folder)
    top = str(folder)
    found: list[tuple[str, str, str, str | None]] = []  # (display name, relative, full path, sidecar's path)
    # Directory symlinks are followed once each; remembering real paths stops loops.
    seen_dirs: set[str] = set()
    for root, dirs, files in os.walk(top, followlinks=True):
        real = os.path.realpath(root)
        if real in seen_dirs:
            dirs[:] = []
            continue
        seen_dirs.add(real)
        dirs[:] = sorted(d for d in dirs if not _hidden(d) and not _saved_page_assets(d, files))
        # relative names by slicing: Path.relative_to costs ~30 us a file, on every start-up
        prefix = "" if root == top else root[len(top):].lstrip(os.sep).replace(os.sep, "/") + "/"
        here = os.path.join(root, "")
        # (string work only: at 400,000 files a folder, joins and splits per name took seconds a listing)
        sidecars = {name for name in files if name.endswith(SIDECAR_SUFFIX)}
        for name in files:
            if _hidden(name) or not name.lower().endswith(ARTICLE_SUFFIXES):
                continue
            side_path = None
            if sidecars:
                side = os.path.splitext(name)[0] + SIDECAR_SUFFIX
                if side in sidecars and os.path.isfile(here + side):  # (a folder or dangling link is no sidecar)
                    side_path = here + side
            rel = prefix + name
            found.append((display_name(rel), rel, here + name, side_path))
    found.sort(key=lambda f: f[0])
    out: list[tuple[str, str, bool]] = []
    for _, rel, path, side_path in found:
        out.append((rel, path, False))
        if side_path is not None:
            out.append((os.path.splitext(rel)[0] + SIDECAR_SUFFIX, side_path, True))
    return out


def corpus_files(folder: Path) -> list[Path]:
    """Article files under `folder`, recursively, sorted; hidden entries and sidecars excluded."""
    with _no_collections():
        return [Path(path) for _, path, sidecar in _listing(folder) if not sidecar]


def fingerprint_files(folder: Path) -> list[Path]:
    """Everything whose change should invalidate an index: articles and their sidecars."""
    with _no_collections():
        return [Path(path) for _, path, _ in _listing(folder)]


def file_states(folder: Path) -> list[tuple[str, os.stat_result]]:
    """fingerprint_files' files as (relative name as the file system has it, stat), one stat each; a
    file gone since the listing is left out."""
    out = []
    with _no_collections():
        for rel, path, _ in _listing(folder):
            try:
                out.append((rel, os.stat(path)))
            except OSError:
                continue
    return out


def relative_path(path: Path, folder: Path) -> str:
    """The file's path as its `Source.path` and `Skipped.path` give it: relative, "/" separated."""
    return display_name(Path(path).relative_to(folder).as_posix())


def article_states(folder: Path) -> dict[str, list[int]]:
    """Per article file (its relative name as the file system has it): size, mtime and ctime of it
    and of its sidecar (zeros when it has none), one stat per file: what tells an index which articles
    changed since it was written."""
    out: dict[str, list[int]] = {}
    last: list[int] | None = None
    with _no_collections():
        for rel, path, sidecar in _listing(folder):
            try:
                st = os.stat(path)
            except OSError:
                continue
            state = [st.st_size, st.st_mtime_ns, st.st_ctime_ns]
            if sidecar:
                if last is not None:
                    last[3:] = state
                continue
            last = out[rel] = state + [0, 0, 0]
    return out
