"""Shared fixtures: the shipped seeds indexed once per session into a temporary folder."""

from __future__ import annotations

import shutil
import pytest

from bot.answer.answerer import Answerer
from bot.config import Settings
from bot.index import format as index_format
from bot.index.build import build
from tests.support.paths import SEEDS


@pytest.fixture(scope="session")
def seeds_settings(tmp_path_factory) -> Settings:
    base = tmp_path_factory.mktemp("seeds")
    corpus = base / "seeds"
    shutil.copytree(SEEDS, corpus)
    settings = Settings(corpus_dir=corpus, index_dir=base / "index")
    build(settings)
    return settings


@pytest.fixture(scope="session")
def seeds_index(seeds_settings):
    index, _ = index_format.load(seeds_settings.index_dir)
    return index


@pytest.fixture(scope="session")
def answerer(seeds_index, seeds_settings) -> Answerer:
    return Answerer(seeds_index, seeds_settings.answering)


@pytest.fixture
def tiny_corpus(tmp_path) -> Settings:
    """Three small hand-written articles, for tests that build, break and rebuild indexes."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Harbour bridge reopens after repairs\n\nBy Ann Lee\n\n"
        "PORTVILLE, March 3 (Wire) -- The harbour bridge reopened on Tuesday after nine months of repairs. "
        "Engineers replaced 412 steel cables. The mayor said traffic would return to normal by Friday.\n\n"
        "The repairs cost $48 million, twice the first estimate.\n", encoding="utf-8")
    (corpus / "b.txt").write_text(
        "Library opens new wing\n\nThe city library opened a new wing for children on Monday. "
        "It holds 20,000 books and a reading garden. Dr. Rosa Diaz, the head librarian, cut the ribbon.\n",
        encoding="utf-8")
    (corpus / "c.txt").write_text(
        "Storm closes schools\n\nA winter storm closed every school in the county on Wednesday. "
        "Forecasters expect 30 centimetres of snow. Buses will run again on Thursday.\n", encoding="utf-8")
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
