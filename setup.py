"""The optional compiled search kernel; everything else is in pyproject.toml.

bot/index/_maxscore.c is built when a C compiler is at hand; when it is not (or the build fails) the
install goes on and the index searches with numpy, which gives the same results (bot/index/bm25.py).
-ffp-contract=off: no fused multiply-adds, so scores round exactly as numpy's do.
"""

import sys

from setuptools import Extension, setup

flags = [] if sys.platform == "win32" else ["-O3", "-ffp-contract=off"]
setup(ext_modules=[Extension("bot.index._maxscore", ["bot/index/_maxscore.c"], extra_compile_args=flags,
                             optional=True)])
