"""A fitted tree ensemble (gradient-boosted regression trees) evaluated with numpy.

The model file is plain JSON written by benchmarks/fit_ranker.py from a LightGBM model: feature names,
and per tree the arrays of its internal nodes (feature, threshold, left, right) and its leaf values.
A child index >= 0 is an internal node, -1 - k is leaf k.  A row goes left when its value is <= the
threshold (missing values are not used: every feature is always computed).  No LightGBM is needed to
answer questions; the file is data, never code (not pickle).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.errors import QuotebotError


@dataclass(frozen=True)
class TreeEnsemble:
    features: tuple[str, ...]
    threshold: float  # raw scores at or above it mean yes
    # All trees' nodes in one array each; tree t's nodes start at root[t].  Children are global indices
    # (>= 0) or -1 - global leaf index.
    root: np.ndarray
    feature: np.ndarray
    split: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray
    depth: int

    @classmethod
    def from_json(cls, data: dict) -> "TreeEnsemble":
        roots, feature, split, left, right, leaf = [], [], [], [], [], []
        depth = 1
        for tree in data["trees"]:
            node_base, leaf_base = len(feature), len(leaf)
            if not tree["feature"]:  # a single leaf
                roots.append(-1 - leaf_base)
            else:
                roots.append(node_base)
            shift = lambda c: c + node_base if c >= 0 else c - leaf_base  # noqa: E731
            feature += tree["feature"]
            split += tree["threshold"]
            left += [shift(c) for c in tree["left"]]
            right += [shift(c) for c in tree["right"]]
            leaf += tree["leaf"]
            depth = max(depth, tree.get("depth", len(tree["feature"]) + 1))
        return cls(tuple(data["features"]), float(data["threshold"]), np.array(roots, dtype=np.int64),
                   np.array(feature, dtype=np.int64), np.array(split, dtype=np.float64),
                   np.array(left, dtype=np.int64), np.array(right, dtype=np.int64),
                   np.array(leaf, dtype=np.float64), depth)

    @classmethod
    def load(cls, path: Path) -> "TreeEnsemble":
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    def raw(self, rows: np.ndarray) -> np.ndarray:
        """Sum of the trees' leaf values for each row (rows x features, in `features` order)."""
        rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
        node = np.broadcast_to(self.root, (rows.shape[0], self.root.size)).copy()
        row = np.arange(rows.shape[0])[:, None]
        for _ in range(self.depth):
            inner = node >= 0
            if not inner.any():
                break
            at = np.where(inner, node, 0)
            go_left = rows[row, self.feature[at]] <= self.split[at]
            node = np.where(inner, np.where(go_left, self.left[at], self.right[at]), node)
        return self.leaf[-1 - node].sum(axis=1)

    def decide(self, values: dict[str, float]) -> bool:
        """Whether one row, given by feature name, scores at or above the threshold."""
        row = np.array([[values[name] for name in self.features]])
        return bool(self.raw(row)[0] >= self.threshold)


def load_model(path: Path, what: str) -> TreeEnsemble:
    """A model file shipped with the package; unreadable means a broken install, said plainly."""
    try:
        return TreeEnsemble.load(path)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        raise QuotebotError(f"the {what} {path} cannot be read ({e}); reinstall quotebot") from None
