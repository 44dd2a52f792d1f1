"""Loading a whole folder: errors for a folder with nothing usable, and the same corpus whether the
files are read in this process or in a pool of workers."""

from __future__ import annotations

import pytest

from bot.corpus import load
from bot.corpus.load import load_corpus
from bot.errors import QuotebotError
from tests.support.corpora import generated_corpus, write
from tests.support.pools import watch_pools


def test_empty_folder(tmp_path):
    with pytest.raises(QuotebotError, match=str(tmp_path)):
        load_corpus(tmp_path)


def test_only_unusable_files(tmp_path):
    write(tmp_path, "blank.txt", "  \n\n \t\n")
    write(tmp_path, "ads.txt", "Advertisement\n\nLatest Headlines\n")
    with pytest.raises(QuotebotError, match="no usable article"):
        load_corpus(tmp_path)



def test_parallel_and_serial_loads_agree(tmp_path, monkeypatch):
    generated_corpus(tmp_path)
    monkeypatch.setattr(load, "PARALLEL_MIN_FILES", 10**9)
    monkeypatch.setattr(load, "PARALLEL_MIN_BYTES", 10**12)
    pools = watch_pools(monkeypatch)
    serial = load_corpus(tmp_path)
    assert pools == []
    monkeypatch.setattr(load, "PARALLEL_MIN_FILES", 0)
    parallel = load_corpus(tmp_path)
    assert pools == [19, 5]  # 301 files read 16 at a time, then 300 articles sketched 64 at a time
    assert serial == parallel
    assert serial.warnings and serial.skipped and any(a.also for a in serial.articles)
