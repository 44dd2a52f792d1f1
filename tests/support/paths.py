"""Where the tests find the project's files."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
CANNED = ROOT / "tests" / "data" / "canned.json"
SQUAD_TINY = ROOT / "tests" / "data" / "squad_tiny.json"
BEFORE_LAYOUT = ROOT / "tests" / "fixtures" / "before-layout"  # written by the code before the layout change
PAGES = ROOT / "tests" / "fixtures" / "pages"
OLD_INDEX = BEFORE_LAYOUT / "index_v2"  # a corpus and the index the old code built of it
