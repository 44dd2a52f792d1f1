"""Index files checked once, not at every load: a build folder's record of the files whose checksums
matched, with what the file system said of each then.

Checking every file's checksum at each load reads the whole index: 2.3 GB at 10M sentences, 3 s from
a cold disk, where serving needs a few JSON files and maps the rest.  A build's files never change
once written, so a load that finds a file as the record has it (same size, inode, device, and
modification and change times to the nanosecond) with the manifest's checksum takes that checksum as
checked.  Any write to a file sets its change time (ctime), which no tool can set back, and a file put
in its place has another inode: a truncated, flipped, swapped or foreign file is still caught at its
next load.  Only damage done under the file system (a failing disk) goes unseen while the record
stands.  A file changed less than SETTLED_NS ago is not recorded: a write within the same tick of the
clock as our look at it could leave its times as they were (git's "racily clean" entries).

The record is RECORD in the build folder, replaced atomically; where the folder cannot be written
there is none, and every load checks every file, as before.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

RECORD = ".verified.json"
# Files whose ctime is this recent are checked again at the next load rather than recorded.
SETTLED_NS = 2_000_000_000


def _identity(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_ino, st.st_dev, st.st_mtime_ns, st.st_ctime_ns]


def unchanged(build: Path, stats: dict[str, os.stat_result], checksums: dict[str, str]) -> set[str]:
    """The files (of `stats`, as they are now) that the record shows checked against these checksums."""
    try:
        record = json.loads((build / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()  # none yet, unreadable or damaged: everything is checked
    if not isinstance(record, dict):
        return set()
    return {name for name, st in stats.items() if record.get(name) == _identity(st) + [checksums[name]]}


def record(build: Path, stats: dict[str, os.stat_result], checksums: dict[str, str]) -> None:
    """Write down `stats`' files, just found right, those settled; quietly nothing where the folder
    cannot be written (a read-only index, a full disk)."""
    now = time.time_ns()
    entries = {name: _identity(st) + [checksums[name]] for name, st in stats.items()
               if now - st.st_ctime_ns >= SETTLED_NS}
    if not entries:
        return
    tmp = build / f"{RECORD}.{os.getpid()}.tmp"
    try:
        tmp.write_text(json.dumps(entries, sort_keys=True), encoding="utf-8")
        os.replace(tmp, build / RECORD)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
