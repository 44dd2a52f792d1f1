"""A fitted tree ensemble (gradient-boosted regression trees) evaluated with numpy.

The model file is JSON written by benchmarks/fit_ranker.py or fit_decision.py from a LightGBM model: feature names,
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

try:  # the compiled walk (setup.py builds it when a C compiler is at hand); numpy's finds the same leaves
    from bot import _tree_walk as WALK
except ImportError:  # pragma: no cover - depends on the install
    WALK = None


@dataclass(frozen=True)
class TreeEnsemble:
    features: tuple[str, ...]
    threshold: float  # raw scores at or above it mean yes
    # All trees' nodes in one set of arrays; tree t starts at root[t].  Leaves are nodes too, after the
    # internal ones: they send every row to themselves (threshold +inf, both children the leaf), so a
    # row walks a fixed number of steps with no test for having arrived.
    root: np.ndarray
    feature: np.ndarray
    split: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray  # value of leaf node n_internal + k
    n_internal: int
    depth: int
    # every child numbered after its parent (LightGBM's numbering): the compiled walk relies on it to end
    ordered: bool = False

    @classmethod
    def from_json(cls, data: dict) -> "TreeEnsemble":
        trees = data["trees"]
        n_internal = sum(len(t["feature"]) for t in trees)
        roots, feature, split, left, right, leaf = [], [], [], [], [], []
        depth = 1
        for tree in trees:
            node_base, leaf_base = len(feature), n_internal + len(leaf)
            # file format: a child >= 0 is an internal node of the tree, -1 - k its leaf k
            shift = lambda c: c + node_base if c >= 0 else leaf_base - 1 - c  # noqa: E731
            roots.append(node_base if tree["feature"] else leaf_base)
            feature += tree["feature"]
            split += tree["threshold"]
            left += [shift(c) for c in tree["left"]]
            right += [shift(c) for c in tree["right"]]
            leaf += tree["leaf"]
            depth = max(depth, tree.get("depth", len(tree["feature"]) + 1))
        leaves = np.arange(n_internal, n_internal + len(leaf), dtype=np.int64)
        internal = np.arange(n_internal)
        ordered = bool(np.all(np.array(left, dtype=np.int64) > internal) and np.all(np.array(right, dtype=np.int64) > internal))
        return cls(tuple(data["features"]), float(data["threshold"]), np.array(roots, dtype=np.int64),
                   np.concatenate([np.array(feature, dtype=np.int64), np.zeros(len(leaf), dtype=np.int64)]),
                   np.concatenate([np.array(split, dtype=np.float64), np.full(len(leaf), np.inf)]),
                   np.concatenate([np.array(left, dtype=np.int64), leaves]),
                   np.concatenate([np.array(right, dtype=np.int64), leaves]),
                   np.array(leaf, dtype=np.float64), n_internal, depth, ordered)

    @classmethod
    def load(cls, path: Path) -> "TreeEnsemble":
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    def raw(self, rows: np.ndarray, compiled: bool = True) -> np.ndarray:
        """Sum of the trees' leaf values for each row (rows x features, in `features` order)."""
        rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
        return self.leaf[self.leaves(rows, compiled)].sum(axis=1)

    def leaves(self, rows: np.ndarray, compiled: bool = True) -> np.ndarray:
        """rows x trees: each row's leaf number in each tree.  Compiled when it can be (a walk per row
        and tree, ~20x faster on the re-ranker's twenty rows), else numpy's level-at-a-time walk."""
        if compiled and WALK is not None and self.ordered and rows.shape[1] == len(self.features) and rows.size:
            out = np.empty((rows.shape[0], self.root.size), dtype=np.int64)
            WALK.leaves(np.ascontiguousarray(rows), rows.shape[1], self.root, self.feature, self.split,
                        self.left, self.right, self.n_internal, out)
            return out
        node = np.broadcast_to(self.root, (rows.shape[0], self.root.size))
        row = np.arange(rows.shape[0])[:, None]
        for _ in range(self.depth - 1):  # a tree of depth d takes d - 1 steps from root to leaf
            node = np.where(rows[row, self.feature[node]] <= self.split[node], self.left[node], self.right[node])
        return node - self.n_internal

    def decide(self, values: dict[str, float]) -> bool:
        """Whether one row, given by feature name, scores at or above the threshold."""
        row = np.array([[values[name] for name in self.features]])
        return bool(self.raw(row)[0] >= self.threshold)


def load_model(path: Path, what: str) -> TreeEnsemble:
    """A model file shipped with the package; unreadable means a broken install, and the error says so."""
    try:
        return TreeEnsemble.load(path)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        raise QuotebotError(f"the {what} {path} cannot be read ({e}); reinstall quotebot") from None
