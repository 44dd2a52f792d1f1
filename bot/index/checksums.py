"""Checksums of the index files and of the manifest that lists them: how damage is found.

They guard against damage (truncation, flipped bits, a file from another build), not against an
attacker, who could rewrite the manifest too: that safety comes from the format (no pickle).
crc32 reads the 1M-sentence index (~470 MB) in ~0.1 s, where sha256 costs ~0.6-0.9 s of the 1 s
load budget.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CHECKSUM = "crc32"  # what new builds are written with
CHECKSUMS = ("crc32", "sha256")  # what a manifest may name (sha256: indexes written before crc32)


def file_digest(path: Path, algorithm: str = CHECKSUM) -> str:
    """A file's checksum, read through a memory map (no copies), 16 MB at a time; each piece's pages
    are let go once hashed, so hashing a 1 GB file does not leave 1 GB of it counted in this process's
    resident memory (the pages stay in the page cache).  crc32: zlib releases the GIL, so two threads
    hash two files at once."""
    if algorithm not in CHECKSUMS:
        raise ValueError(f"unknown checksum {algorithm!r}")
    size = path.stat().st_size
    crc, sha = 0, hashlib.sha256()
    if size:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            with memoryview(mapped) as view:
                for start in range(0, size, _PIECE):
                    piece = view[start:start + _PIECE]
                    if algorithm == "crc32":
                        crc = zlib.crc32(piece, crc)
                    else:
                        sha.update(piece)
                    piece.release()
                    if hasattr(mapped, "madvise"):
                        mapped.madvise(mmap.MADV_DONTNEED, start, min(_PIECE, size - start))
    return f"{crc:08x}" if algorithm == "crc32" else sha.hexdigest()


_PIECE = 1 << 24  # (a multiple of the page size: madvise takes page-aligned starts)


def file_digests(paths: list[Path], algorithm: str = CHECKSUM) -> list[str]:
    """Checksums of several files, two at a time (the hash functions release the GIL)."""
    big_first = sorted(range(len(paths)), key=lambda i: -paths[i].stat().st_size)
    out: list[str] = [""] * len(paths)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for i, d in zip(big_first, pool.map(lambda i: file_digest(paths[i], algorithm), big_first)):
            out[i] = d
    return out


def manifest_digest(manifest: dict) -> str:
    """The sha256 a manifest carries of itself (every key but "manifest_checksum")."""
    body = {k: v for k, v in manifest.items() if k != "manifest_checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=True).encode()).hexdigest()
