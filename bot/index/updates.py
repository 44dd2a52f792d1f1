"""Keeping an index up with its folder by segments, and what the add, remove and status commands do.

open_index(settings) -> index              the current index, brought up to the folder first (or built)
update(settings) -> (index, UpdateReport)   files added or edited since read into a new segment,
                                            deleted or edited ones removed from theirs, merged when due
add(settings, paths) / remove(settings, paths)   files copied in or deleted, then an update
status(settings) -> IndexStatus             the segments, what the folder holds that is not indexed yet

Every change is written as new files (a segment folder, then a commit naming the segments in use
and the articles removed from each) and takes effect when CURRENT names the new commit, so a crash
at any moment leaves the index as it was before or as it is after (bot.index.format).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.corpus.folder import article_states, check_folder, display_name
from bot.corpus.types import Skipped
from bot.errors import QuotebotError
from bot.index import format as index_format
from bot.index.build import EXTRACT_CACHE, Notify, _locked, _similar_rows, build, fingerprint, remove_leftovers
from bot.index.combined import CombinedIndex, Part, find_similar
from bot.index.format import IndexUnusable
from bot.index.merging import concatenate_into, kept_articles
from bot.index.sentences import SentenceIndex

logger = logging.getLogger(__name__)

# The merge policy, size-tiered as Lucene's: segments are put in tiers by size (a tier is MERGE_FACTOR
# times the one below); when a tier holds MERGE_FACTOR segments they are merged into one, which goes up
# a tier.  So an index of n sentences keeps about MERGE_FACTOR * log(n) segments, and each sentence is
# rewritten about log(n) times over its life.  A merge copies the segments' arrays (bot.index.merging): no file
# is read again.
MERGE_FACTOR = 4
SMALLEST_TIER = 10_000  # sentences: segments below it are all in the first tier
# Past this many segments whatever their sizes (a folder fed one file at a time), all are merged.
MAX_SEGMENTS = 12
# A segment whose stored sentences are more than this share dead (deleted or replaced) is rewritten.
MAX_DEAD_SHARE = 0.3


@dataclass(frozen=True)
class UpdateReport:
    """What an update (or a merge) changed: files newly indexed, files taken out, segments now."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    segments: int
    merged: bool
    seconds: float
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()
    current: str | None = None  # what CURRENT names now
    states: dict | None = None  # the article files' states the index covers now
    sequence: int = 0  # the commit's number: a later commit has a larger one


def _current_state(index_dir: Path) -> tuple[list[dict], dict, dict] | None:
    """The current index as an update sees it: [{"name", "removed"}] per segment, the folder states
    it covers and its record (commit or build manifest); None when there is none or it is unusable."""
    name = index_format.current_name(index_dir)
    if name is None:
        return None
    try:
        if name.startswith("commit-"):
            record = index_format.read_commit(index_dir, name)
            return [dict(g) for g in record["segments"]], record.get("states", {}), record
        build = index_format.current_build(index_dir)
        record = index_format.read_manifest(build)
        states = json.loads((build / "states.json").read_text(encoding="utf-8"))
    except (IndexUnusable, OSError, ValueError):
        return None
    return [{"name": build.name, "removed": []}], states, record


def indexed_states(index_dir: Path) -> dict:
    """The article files' states the current index covers ({} when there is none)."""
    current = _current_state(index_dir)
    return current[1] if current else {}


def _parts_of(index, segments: list[dict]) -> list[Part]:
    return list(index.parts) if isinstance(index, CombinedIndex) else [Part(segments[0]["name"], index)]


def _loaded_or_load(index_dir: Path, name: str | None, loaded: tuple[str, object] | None):
    return loaded[1] if loaded is not None and loaded[0] == name else index_format.load(index_dir)[0]


def _commit(index_dir: Path, parts: list[Part], record: dict, fp: str, skipped: list, warnings: list,
            states: dict, similar: list | None = None) -> tuple[str, int]:
    """Write a commit of these segments and make it current; old builds and commits are removed.  The
    pairs of the same story the last commit kept (those between segments still here) are kept, with
    `similar`'s."""
    sequence = int(record.get("sequence", 0)) + 1
    names = {p.name for p in parts}
    rows = [r for r in record.get("similar", []) if r[0] in names and r[2] in names] + list(similar or [])
    commit = index_format.write_commit(index_dir, [{"name": p.name, "removed": sorted(p.removed)} for p in parts],
                                       fp, sorted(skipped), warnings, states, sequence, rows)
    index_format.point_current(index_dir, commit)
    index_format.remove_old_builds(index_dir, keep={commit, *(p.name for p in parts)})
    return commit, sequence


def update(settings: Settings, loaded: tuple[str, object] | None = None) -> tuple[object, UpdateReport]:
    """Bring the index up to the corpus folder by segments: files added or edited since are read into
    one new segment, files deleted or edited are removed from theirs (merging is `merge_due`'s).  A
    fresh build when there is no usable index.  Answers are then exactly those of a fresh build of the
    folder (bot.index.combined).

    `loaded`: (what CURRENT named, the index loaded from it), kept instead of loading it again when
    CURRENT still names it (a running bot's own index)."""
    started = time.perf_counter()
    check_folder(settings.corpus_dir)
    done = _update(settings, loaded, started)
    return _built(settings) if done is None else done


def _update(settings: Settings, loaded, started: float) -> tuple[object, UpdateReport] | None:
    """update's work under the build lock; None when there is no usable index to update (the caller
    then builds one: `build` takes the lock itself, and an flock is not re-entrant)."""
    corpus_dir, index_dir = settings.corpus_dir, settings.index_dir
    with _locked(index_dir):
        name = index_format.current_name(index_dir)
        current = _current_state(index_dir)
        if current is None:
            return None
        segments, old_states, record = current
        fp = fingerprint(corpus_dir)
        states = article_states(corpus_dir)
        changed = sorted(rel for rel, st in states.items() if old_states.get(rel) != st)
        gone = sorted(rel for rel in old_states if rel not in states)
        try:
            index = _loaded_or_load(index_dir, name, loaded)
        except IndexUnusable:
            return None
        changed = _text_changed(index, segments, corpus_dir, changed)
        taken_out = {display_name(rel) for rel in [*changed, *gone]}
        if not taken_out and states == old_states:
            # (what a writer killed after its switch left: builds and commits nothing names)
            index_format.remove_old_builds(index_dir, keep={name, *(g["name"] for g in segments)})
            return index, UpdateReport((), (), len(segments), False, time.perf_counter() - started,
                                       current=name, states=old_states, sequence=int(record.get("sequence", 0)))
        similar = dict(index.similar) if isinstance(index, CombinedIndex) else {}
        parts = [Part(p.name, p.index, p.removed | {a for a, path in enumerate(p.index.articles.paths)
                                                     if path in taken_out})
                 for p in _parts_of(index, segments)]
        skipped = [s for s in record.get("skipped", []) if s[0] not in taken_out]
        warnings = [w for w in record.get("warnings", []) if w.split(":", 1)[0] not in taken_out]
        from bot.corpus.load import load_corpus

        corpus = load_corpus(corpus_dir, cache_dir=index_dir / EXTRACT_CACHE, merge=False, require=False,
                             paths=[corpus_dir / rel for rel in changed])
        skipped += [[s.path, s.reason] for s in corpus.skipped]
        warnings += list(corpus.warnings)
        written = None
        try:
            if corpus.articles:
                segment = SentenceIndex.build(corpus)
                found = find_similar(parts, Part("", segment))
                written = index_format.write_segment(segment, index_dir, fp, corpus.skipped, corpus.warnings,
                                                     _similar_rows(found, ""), {}).name
                parts.append(Part(written, segment))
                similar.update({(written, a): [(o or written, b) for o, b in others] for (_, a), others in found.items()})
            parts = [p for p in parts if len(p.removed) < p.index.article_count]
            if not parts:
                raise QuotebotError(f"no sentences to index in {corpus_dir}")
            commit, sequence = _commit(index_dir, parts, record, fp, skipped, warnings, states)
        except OSError as e:
            raise QuotebotError(f"cannot write the index to {index_dir}: {e.strerror or e}") from None
        # What was just written is read back memory-mapped (as a restart would), the rest kept as loaded.
        parts = [Part(p.name, index_format.load_build(index_dir / p.name, mmap=True, verify=False)[0], p.removed)
                 if p.name == written else p for p in parts]
        index = CombinedIndex(parts, similar)
    return index, UpdateReport(tuple(display_name(r) for r in changed), tuple(display_name(r) for r in gone),
                               len(parts), False, time.perf_counter() - started,
                               tuple(Skipped(p, r) for p, r in skipped), tuple(warnings), commit, states, sequence)


def _text_changed(index, segments: list[dict], corpus_dir: Path, changed: list[str]) -> list[str]:
    """Of the files whose state changed, those whose bytes (or sidecar's) did too: a copied, touched or
    hard-linked file has a new ctime and the same text, and is not read or indexed again."""
    from bot.corpus.cache import ExtractCache

    stored: dict[str, str] = {}
    for part in _parts_of(index, segments):
        records = part.index.articles
        for a, (path, key) in enumerate(zip(records.paths, records.keys)):
            if a not in part.removed and key:
                stored[path] = key
    if not stored:
        return changed
    hasher = ExtractCache(corpus_dir)  # (only its key: nothing is read from or written to a cache folder)
    return [rel for rel in changed if stored.get(display_name(rel)) is None
            or hasher.key(corpus_dir / rel, display_name(rel)) != stored[display_name(rel)]]


def _built(settings: Settings) -> tuple[object, UpdateReport]:
    index, report = build(settings)
    return index, UpdateReport((), (), 1, False, report.seconds, report.skipped, report.warnings,
                               index_format.current_name(settings.index_dir), indexed_states(settings.index_dir),
                               index_format.current_sequence(settings.index_dir))


def _dead_share(part: Part) -> float:
    stored = part.index.sentence_count
    if not part.removed or not stored:
        return 0.0
    per_article = np.bincount(np.asarray(part.index.para_article), weights=np.diff(np.asarray(part.index.para_first)),
                              minlength=part.index.article_count)
    return float(per_article[sorted(part.removed)].sum()) / stored


def to_merge(parts: list[Part]) -> list[int]:
    """Which segments (by position) the merge policy merges now, [] for none: a full tier, else the
    segments mostly dead, else everything past MAX_SEGMENTS."""
    if len(parts) > MAX_SEGMENTS:
        return list(range(len(parts)))
    tiers: dict[int, list[int]] = {}
    for k, part in enumerate(parts):
        size, tier = part.index.sentence_count, 0
        while size >= SMALLEST_TIER * MERGE_FACTOR ** tier:
            tier += 1
        tiers.setdefault(tier, []).append(k)
    full = [ks for _, ks in sorted(tiers.items()) if len(ks) >= MERGE_FACTOR]
    if full:
        return full[0]
    return [k for k, part in enumerate(parts) if _dead_share(part) > MAX_DEAD_SHARE]


def merge_due(settings: Settings, loaded: tuple[str, object] | None = None,
              everything: bool = False) -> tuple[object, UpdateReport] | None:
    """Merge what the policy says (`to_merge`; every segment when `everything`), None when nothing is
    due or another process is merging.

    The merge runs without the build lock, so files are still added and deleted meanwhile: it writes
    the chosen segments' articles (as they were when it started) into one new segment, set aside;
    then, under the lock, it takes out of that segment what was removed from the chosen ones since,
    and commits it in their place."""
    started = time.perf_counter()
    index_dir = settings.index_dir
    with index_format.merge_lock(index_dir) as mine:
        if not mine:
            return None
        index_format.remove_stale_merges(index_dir)
        name = index_format.current_name(index_dir)
        current = _current_state(index_dir)
        if current is None:
            return None
        segments, _, record = current
        try:
            index = _loaded_or_load(index_dir, name, loaded)
        except IndexUnusable:
            return None
        parts = _parts_of(index, segments)
        chosen = list(range(len(parts))) if everything and (len(parts) > 1 or parts[0].removed) else \
            [] if everything else to_merge(parts)
        if not chosen:
            return None
        merging = [parts[k] for k in chosen]
        kept = kept_articles(merging)  # (the merged segment's article order)
        others = [p for k, p in enumerate(parts) if k not in chosen]
        try:
            segment, folder = concatenate_into(merging, index_dir, aside=True, kept=kept)
            found = find_similar(others, Part("", segment))
            aside = index_format.write_segment(segment, index_dir, record.get("fingerprint", ""), (), (),
                                               _similar_rows(found, ""), {}, aside=True, folder=folder)
        except OSError as e:
            raise QuotebotError(f"cannot write the index to {index_dir}: {e.strerror or e}") from None
        with _locked(index_dir):
            return _commit_merge(settings, loaded, name, merging, kept, aside, {p.name for p in parts}, started)


def _commit_merge(settings: Settings, loaded, name: str | None, merging: list[Part], kept: list,
                  aside: Path, started_with: set[str], started: float) -> tuple[object, UpdateReport] | None:
    """The second half of merge_due, under the build lock: the merged segment in the chosen ones'
    place, in the commit that is current now (perhaps a later one than the merge started from)."""
    index_dir = settings.index_dir
    now = index_format.current_name(index_dir)
    current = _current_state(index_dir)
    if current is None:
        return None
    segments, states, record = current
    try:
        index = _loaded_or_load(index_dir, now, loaded if now == name else None)
    except IndexUnusable:
        return None
    parts = _parts_of(index, segments)
    by_name = {p.name: p for p in parts}
    # An article removed since the merge started is removed from the merged segment too (by path: the
    # merged segment holds the chosen ones' live articles, one a path); a chosen segment gone since had
    # all its articles removed (only the holder of the merge lock merges).
    removed_since = {merging[k].index.articles.paths[a] for _, k, a in kept
                     if merging[k].name not in by_name or a in by_name[merging[k].name].removed}
    try:
        built = index_format.adopt_segment(index_dir, aside)
    except OSError as e:
        raise QuotebotError(f"cannot write the index to {index_dir}: {e.strerror or e}") from None
    merged = Part(built.name, index_format.load_build(built, mmap=True, verify=False)[0],
                  frozenset(i for i, (path, _, _) in enumerate(kept) if path in removed_since))
    gone = {p.name for p in merging}
    first = min((i for i, p in enumerate(parts) if p.name in gone), default=0)
    result = [p for p in parts if p.name not in gone]
    if len(merged.removed) < merged.index.article_count:
        result.insert(first, merged)
    if not result:
        return None  # everything was deleted meanwhile: the update that did so says so
    similar = dict(index.similar) if isinstance(index, CombinedIndex) else {}
    similar = {key: [o for o in others if o[0] not in gone] for key, others in similar.items() if key[0] not in gone}
    for a, other, b in index_format.read_manifest(built).get("similar", []):
        similar.setdefault((built.name, int(a)), []).append((other or built.name, int(b)))
    # Segments added since the merge started were paired with the chosen ones, which are gone, not with
    # the merged one: those pairs are worked out now and kept in the commit.
    extra = []
    for p in result:
        if p.name in started_with or p.name == built.name:
            continue
        for (_, a), others in find_similar([merged], Part("", p.index, p.removed)).items():
            for other, b in others:
                if other == built.name:
                    extra.append([p.name, a, other, b])
                    similar.setdefault((p.name, a), []).append((other, b))
    try:
        commit, sequence = _commit(index_dir, result, record, record.get("fingerprint", ""),
                                   record.get("skipped", []), record.get("warnings", []), states, extra)
    except OSError as e:
        raise QuotebotError(f"cannot write the index to {index_dir}: {e.strerror or e}") from None
    index = CombinedIndex(result, similar)
    return index, UpdateReport((), (), len(result), True, time.perf_counter() - started,
                               tuple(Skipped(p, r) for p, r in record.get("skipped", [])),
                               tuple(record.get("warnings", [])), commit, states, sequence)


def _update_and_merge(settings: Settings) -> UpdateReport:
    """An update, then the merge the policy asks for (if any): what the add and remove commands do."""
    index, report = update(settings)
    done = merge_due(settings, (report.current, index))
    if done is None:
        return report
    return replace(report, segments=done[1].segments, merged=True, seconds=report.seconds + done[1].seconds,
                   current=done[1].current, sequence=done[1].sequence)


def merge(settings: Settings) -> tuple[object, UpdateReport]:
    """Every segment merged into one now, after indexing any change in the folder (`quotebot merge`)."""
    index, report = update(settings)
    done = merge_due(settings, (report.current, index), everything=True)
    return done if done is not None else (index, report)


# -- opening ---------------------------------------------------------------------------------------

def open_index(settings: Settings, notify: Notify = lambda message: None):
    """The current index, brought up to the folder first when articles changed (by segments: only the
    files added, edited or deleted are read), built when missing, damaged or foreign (and said so)."""
    if not settings.corpus_dir.is_dir():
        raise QuotebotError(f"corpus folder not found: {settings.corpus_dir}")
    fp = fingerprint(settings.corpus_dir)
    try:
        index, manifest = index_format.load(settings.index_dir)
        if manifest.get("fingerprint") == fp:
            remove_leftovers(settings.index_dir)
            return index
        index, update_report = update(settings)
        changed = len(update_report.added) + len(update_report.removed)
        notify(f"The articles in {settings.corpus_dir} changed; indexed {changed} changed "
               f"{'file' if changed == 1 else 'files'} in {update_report.seconds:.1f} s.")
        return index
    except IndexUnusable as e:
        if (settings.index_dir / "CURRENT").exists():
            logger.info("index unusable, rebuilding: %s", e)
            notify(f"Warning: the index is unusable ({e}); rebuilding it in {settings.index_dir}...")
        else:
            notify(f"Building the index of {settings.corpus_dir} in {settings.index_dir} (first use)...")
    index, report = build(settings, reuse=True)
    if report.reused:
        notify(f"Using the index just built by another process ({report.articles} articles, {report.sentences} sentences).")
        return index
    for w in report.warnings:
        notify(f"Warning: {w}")
    for skipped in report.skipped:
        notify(f"Skipped {skipped.path}: {skipped.reason}")
    notify(f"Indexed {report.articles} articles, {report.sentences} sentences in {report.seconds:.1f} s {report.files_line()}.")
    return index


# -- add, remove, status ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SegmentStatus:
    name: str
    files: int  # articles stored in it
    sentences: int  # stored, dead ones included
    dead_share: float  # of its sentences: deleted, replaced, or copies of a story kept elsewhere
    bytes: int  # on disk


@dataclass(frozen=True)
class IndexStatus:
    index_dir: Path
    segments: tuple[SegmentStatus, ...]
    articles: int  # live
    sentences: int  # live
    added: tuple[str, ...]  # in the folder, not yet indexed
    edited: tuple[str, ...]
    deleted: tuple[str, ...]  # indexed, gone from the folder
    merge_bytes: int  # free disk a full merge would need (the merged segment, written beside the old)
    free_bytes: int


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def add(settings: Settings, paths: list[Path]) -> tuple[list[str], UpdateReport]:
    """Article files (or folders of them) into the index: those outside the corpus folder copied into
    it first (a file to the folder's top, a folder under its own name), those inside indexed in place.
    Returns the names copied in and the update's report."""
    import shutil

    from bot.corpus.folder import ARTICLE_SUFFIXES, SIDECAR_SUFFIX

    corpus = check_folder(settings.corpus_dir)
    copies: list[tuple[Path, Path]] = []
    for path in paths:
        if not path.exists():
            raise QuotebotError(f"no such file or folder: {path}")
        if _inside(path, corpus):
            continue
        if path.is_dir():
            found = [p for p in sorted(path.rglob("*")) if p.is_file() and p.name.lower().endswith(ARTICLE_SUFFIXES + (SIDECAR_SUFFIX,))]
            if not any(p.name.lower().endswith(ARTICLE_SUFFIXES) for p in found):
                raise QuotebotError(f"{path} holds no article file ({', '.join(ARTICLE_SUFFIXES)})")
            copies += [(p, corpus / path.name / p.relative_to(path)) for p in found]
        elif path.name.lower().endswith(ARTICLE_SUFFIXES):
            copies.append((path, corpus / path.name))
            sidecar = path.with_suffix(SIDECAR_SUFFIX)
            if sidecar.is_file():
                copies.append((sidecar, corpus / sidecar.name))
        else:
            raise QuotebotError(f"{path} is not an article file ({', '.join(ARTICLE_SUFFIXES)})")
    for source, target in copies:  # every clash is found before anything is copied
        if target.exists() and (not target.is_file() or target.read_bytes() != source.read_bytes()):
            raise QuotebotError(f"{display_name(target.relative_to(corpus).as_posix())} is already in the corpus "
                                f"folder with other content: rename {source} or remove that file first")
    copied = []
    try:
        for source, target in copies:
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
                copied.append(display_name(target.relative_to(corpus).as_posix()))
    except OSError as e:
        raise QuotebotError(f"cannot copy into the corpus folder {corpus}: {e.strerror or e}") from None
    return copied, _update_and_merge(settings)


def remove(settings: Settings, paths: list[Path]) -> tuple[list[str], UpdateReport]:
    """Files (or folders) deleted from the corpus folder, with their sidecars, and taken out of the
    index; a name the folder no longer has but the index does is only taken out.  A path is a file
    in the corpus folder, or a name as sources give it (relative to the folder)."""
    import shutil

    from bot.corpus.folder import SIDECAR_SUFFIX

    corpus = check_folder(settings.corpus_dir)
    current = _current_state(settings.index_dir)
    indexed = {display_name(rel) for rel in (current[1] if current else {})}
    targets: list[Path] = []
    for path in paths:
        candidates = [path] if path.is_absolute() else [corpus / path, path]
        found = next((p for p in candidates if p.exists() and _inside(p, corpus)), None)
        if found is not None:
            targets.append(found)
            continue
        name = path.as_posix()
        if name in indexed or any(n.startswith(name.rstrip("/") + "/") for n in indexed):
            continue  # gone from the folder already: the update takes it out of the index
        if any(p.exists() for p in candidates):
            raise QuotebotError(f"{path} is not in the corpus folder {corpus}")
        raise QuotebotError(f"{path} is neither in the corpus folder nor in the index")
    deleted = []
    try:
        for target in targets:
            deleted.append(display_name(target.resolve().relative_to(corpus.resolve()).as_posix()))
            if target.is_dir():
                shutil.rmtree(target)
                continue
            target.unlink()
            sidecar = target.with_suffix(SIDECAR_SUFFIX)
            if sidecar != target and sidecar.is_file():
                sidecar.unlink()
    except OSError as e:
        raise QuotebotError(f"cannot delete from the corpus folder {corpus}: {e.strerror or e}") from None
    return deleted, _update_and_merge(settings)


def status(settings: Settings) -> IndexStatus:
    """The index's segments and what the folder holds that the index does not yet (nothing is written)."""
    import shutil

    corpus, index_dir = check_folder(settings.corpus_dir), settings.index_dir
    current = _current_state(index_dir)
    if current is None:
        raise QuotebotError(f"no usable index in {index_dir} (quotebot build makes one)")
    segments, old_states, _ = current
    try:
        index, _ = index_format.load(index_dir, verify=False)
    except IndexUnusable as e:
        raise QuotebotError(f"the index in {index_dir} is unusable: {e}") from None
    parts = index.parts if isinstance(index, CombinedIndex) else [Part(segments[0]["name"], index)]
    rows = []
    for k, part in enumerate(parts):
        stored = part.index.sentence_count
        dead = int(index._dead_count[k]) if isinstance(index, CombinedIndex) else 0
        size = sum(p.stat().st_size for p in (index_dir / part.name).iterdir() if p.is_file())
        rows.append(SegmentStatus(part.name, part.index.article_count, stored, dead / stored if stored else 0.0, size))
    states = article_states(corpus)
    added = tuple(display_name(r) for r in sorted(states) if r not in old_states)
    edited = tuple(display_name(r) for r in sorted(states) if r in old_states and old_states[r] != states[r])
    deleted = tuple(display_name(r) for r in sorted(old_states) if r not in states)
    live_share = index.sentence_count / max(1, sum(r.sentences for r in rows))
    merge_bytes = int(sum(r.bytes for r in rows) * live_share)
    return IndexStatus(index_dir, tuple(rows), index.article_count, index.sentence_count, added, edited, deleted,
                       merge_bytes, shutil.disk_usage(index_dir).free)
