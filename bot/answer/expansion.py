"""Related terms: the words answers use for a question's words ("executed" for "die").

The table maps a question's index term to a few sentence terms with p(s | q), the share of q's
alignment mass a translation model gives to s; it is fitted on SQuAD's question / answer-sentence
pairs by benchmarks/fit_associations.py and kept as plain arrays (sorted keys, searched by bisection:
loading is one read per array, nothing to build).  The answerer adds a related term to the query at a
weight below a typed word's; the ranker counts it as a partial match of the word it stands for, and
the no-answer decision never lets related terms alone make an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from bot.errors import QuotebotError

TABLE_DIR = Path(__file__).parent / "models" / "associations"
_ARRAYS = ("keys", "offsets", "terms", "surfaces", "shares")


@dataclass(frozen=True)
class Related:
    term: str  # index term
    surface: str  # a word that has it, as SQuAD's answers write it (for "searched for" lines)
    share: float  # p(s | q)


class AssociationTable:
    def __init__(self, arrays: dict[str, np.ndarray]):
        self.keys = arrays["keys"]
        self.offsets = arrays["offsets"]
        self.terms = arrays["terms"]
        self.surfaces = arrays["surfaces"]
        self.shares = arrays["shares"]

    def __len__(self) -> int:
        return len(self.keys)

    def related(self, term: str) -> list[Related]:
        """The term's related terms, most related first (none when the table does not hold it)."""
        i = int(np.searchsorted(self.keys, term))
        if i >= len(self.keys) or self.keys[i] != term:
            return []
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return [Related(str(self.terms[k]), str(self.surfaces[k]), float(self.shares[k])) for k in range(a, b)]


@cache
def table() -> AssociationTable:
    """The shipped table (empty when the package has none)."""
    try:
        return AssociationTable({name: np.load(TABLE_DIR / f"{name}.npy", allow_pickle=False) for name in _ARRAYS})
    except FileNotFoundError:
        return AssociationTable({"keys": np.array([], dtype="<U1"), "offsets": np.zeros(1, np.int32),
                                 "terms": np.array([], dtype="<U1"), "surfaces": np.array([], dtype="<U1"),
                                 "shares": np.zeros(0, np.float32)})
    except (OSError, ValueError) as e:
        raise QuotebotError(f"the related-terms table {TABLE_DIR} cannot be read ({e}); reinstall quotebot") from None


def write_table(folder: Path, rows: dict[str, list[tuple[str, float]]], surface: dict[str, str]) -> None:
    """Write rows (question term -> [(sentence term, share)], keys sorted) as the table's arrays."""
    folder.mkdir(parents=True, exist_ok=True)
    keys = sorted(rows)
    pairs = [pair for k in keys for pair in rows[k]]
    arrays = {
        "keys": np.array(keys, dtype=str),
        "offsets": np.cumsum([0] + [len(rows[k]) for k in keys]).astype(np.int32),
        "terms": np.array([s for s, _ in pairs], dtype=str),
        "surfaces": np.array([surface[s] for s, _ in pairs], dtype=str),
        "shares": np.array([round(w, 4) for _, w in pairs], dtype=np.float32),
    }
    for name in _ARRAYS:
        np.save(folder / f"{name}.npy", arrays[name], allow_pickle=False)
