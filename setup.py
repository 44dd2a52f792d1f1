"""The optional compiled parts; everything else is in pyproject.toml.

bot/index/_maxscore.c (the search), bot/index/_runs.c (a term's postings looked up at many sentences),
bot/_tree_walk.c (the re-ranking and no-answer trees' walk) and bot/answer/_sentence_match.c (how the
candidate sentences' words meet the question's) are built when a
C compiler is at hand; when it is not (or a build fails) the install goes on and numpy or Python does
the same work with the same results (bot/index/bm25.py, bot/trees.py, bot/answer/ranking.py).
-ffp-contract=off: no fused multiply-adds, so scores round exactly as numpy's do.
"""

import sys

from setuptools import Extension, setup

flags = [] if sys.platform == "win32" else ["-O3", "-ffp-contract=off"]
setup(ext_modules=[Extension("bot.index._maxscore", ["bot/index/_maxscore.c"], extra_compile_args=flags,
                             optional=True),
                   Extension("bot._tree_walk", ["bot/_tree_walk.c"], extra_compile_args=flags, optional=True),
                   Extension("bot.answer._sentence_match", ["bot/answer/_sentence_match.c"], extra_compile_args=flags,
                             optional=True),
                   Extension("bot.index._runs", ["bot/index/_runs.c"], extra_compile_args=flags, optional=True)])
