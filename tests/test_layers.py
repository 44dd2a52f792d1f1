"""The package's imports follow the data flow: article files -> corpus -> index -> answer -> chat /
eval -> front ends.  Every import counts (at the top, inside functions, under TYPE_CHECKING): a
lower stage never imports a higher one, and no modules import each other in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PACKAGE = ROOT / "bot"
# Stage of each top-level part of `bot`: a module may import its own stage's and lower stages'.
# chat and eval both stand on the answerer and neither needs the other.
STAGES = {
    "errors": 0, "config": 0, "text": 0, "parallel": 0, "trees": 0, "caches": 0,
    "corpus": 1,
    "index": 2,
    "answer": 3,
    "chat": 4, "eval": 4,
    "frontends": 5, "__main__": 5,
}
SIDE_BY_SIDE = {frozenset({"chat", "eval"})}  # same stage, kept apart


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, tree: ast.AST) -> set[str]:
    """The bot modules a module's code imports, wherever the import statement sits."""
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "bot")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            if source.split(".")[0] != "bot":
                continue
            for alias in node.names:  # `from bot.index import build` imports the module bot.index.build
                child = f"{source}.{alias.name}"
                found.add(child if child in MODULES else source)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: imported(name, ast.parse(path.read_text(encoding="utf-8"))) for name, path in MODULES.items()}


def part(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def test_every_part_of_the_package_has_a_stage():
    assert {part(m) for m in MODULES if m != "bot"} <= set(STAGES)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "bot"))
def test_no_module_imports_a_later_stage(module):
    mine = part(module)
    for target in GRAPH[module]:
        theirs = part(target)
        if theirs == mine or not theirs:
            continue
        assert STAGES[theirs] <= STAGES[mine], f"{module} (stage {mine}) imports {target} (later stage {theirs})"
        assert frozenset({mine, theirs}) not in SIDE_BY_SIDE, f"{module} imports {target}: {mine} and {theirs} stay apart"


def test_no_import_cycles():
    """Tarjan's strongly connected components: any component of two or more modules is a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_the_walk_sees_imports_wherever_they_are():
    """The checker itself: imports inside functions and TYPE_CHECKING blocks are seen."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from bot.chat import ChatSession\n"
        "def f():\n    from bot.index import sentences\n    import bot.text\n"
    )
    assert imported("bot.config", ast.parse(source)) >= {"bot.chat", "bot.index.sentences", "bot.text"}


# Value types and the on-disk format sit at the bottom of their stages: they import (almost) nothing.
LEAVES = {
    "bot.corpus.types": set(),
    "bot.answer.query": set(),
    "bot.text": set(),
    "bot.parallel": set(),
    "bot.caches": set(),
    "bot.config": {"bot.errors"},
    # the format knows the arrays it writes and the corpus values it records, nothing that builds them
    "bot.index.format": {"bot.corpus.types", "bot.index.bm25", "bot.index.checksums", "bot.index.paragraphs",
                         "bot.index.sentences", "bot.index.spelling", "bot.index.records",
                         "bot.index.combined", "bot.index.verified"},  # (a commit's segments are loaded as the one index they make)
    "bot.index.records": {"bot.corpus.types"},  # a segment's article records: sources by column
    "bot.index.verified": set(),  # which files were checked: the file system's word, nothing of the index
}


@pytest.mark.parametrize("module", sorted(LEAVES))
def test_leaf_modules_import_only_what_they_describe(module):
    assert GRAPH[module] <= LEAVES[module], f"{module} imports {sorted(GRAPH[module] - LEAVES[module])}"


def test_front_ends_never_touch_the_ranking_or_the_index_arrays():
    """Front ends talk to the answerer through its protocol and read its dataclasses."""
    # opening the index the answerer serves (building it on first use), and the commands that change it
    allowed_index = {"bot.index.build", "bot.index.updates"}
    for module, targets in GRAPH.items():
        if part(module) != "frontends":
            continue
        assert not targets & {"bot.answer.ranking", "bot.answer.decision", "bot.trees"}, module
        assert {t for t in targets if part(t) == "index"} <= allowed_index, module
