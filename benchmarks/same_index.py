"""Whether two built index folders hold the same index: every array (.npy), the text blob and the
JSON files equal, the manifest's build-specific fields (time, file digests) left aside.

    python benchmarks/same_index.py INDEX_A INDEX_B
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

_PER_BUILD = ("created", "files", "manifest_checksum")


def current(index: Path) -> Path:
    return index / (index / "CURRENT").read_text().strip()


def main() -> int:
    a, b = (current(Path(p)) for p in sys.argv[1:3])
    names = sorted({p.name for p in a.iterdir()} | {p.name for p in b.iterdir()})
    bad = 0
    for name in names:
        pa, pb = a / name, b / name
        if not pa.exists() or not pb.exists():
            print(f"{name}: only in one"); bad += 1; continue
        if name.endswith(".npy"):
            x, y = np.load(pa), np.load(pb)
            same = x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)
        elif name == "manifest.json":
            x, y = (json.loads(p.read_text()) for p in (pa, pb))
            same = {k: v for k, v in x.items() if k not in _PER_BUILD} == {k: v for k, v in y.items() if k not in _PER_BUILD}
        else:
            same = pa.read_bytes() == pb.read_bytes()
        if not same:
            print(f"{name}: differs"); bad += 1
    print(f"{len(names)} files compared, {bad} differ: {'SAME' if not bad else 'DIFFERENT'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
