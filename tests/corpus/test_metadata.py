"""Bylines and dates read from a page's text."""

from __future__ import annotations

from bot.corpus import metadata


def test_a_month_is_never_swallowed_into_a_byline():
    assert metadata.byline("By Regan September 15, 2014") == "Regan"
    assert metadata.byline("By John Smith Sept. 4 2019") == "John Smith"
    assert metadata.byline("By May Lee May 4, 2019") == "May Lee"
    assert metadata.posted_date("By Regan September 15, 2014") == "2014-09-15"
