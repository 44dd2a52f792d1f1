"""The general line rules, one shape at a time (none of these strings are in the seeds)."""

from bot.cleaning import boilerplate_reason, caption_parts, split_paragraphs
from bot.metadata import byline, dateline, iso_date, publisher_from_boilerplate


def test_glued_icon_labels():
    assert boilerplate_reason("Close IconSearch IconBurger MenuShare ArrowLogo Twitter") == "icon labels"
    assert boilerplate_reason("McDonald's said its iPhone app and YouTube channel grew.") is None


def test_ads_nav_and_promos():
    for line in ("Story continues below advertisement", "Most Viewed", "Share this story", "Skip Advertisement",
                 "Get 50% off your first year", "You've reached your limit of free stories this week",
                 "Start your free trial today", "Download our app for breaking alerts and unlimited access",
                 "Hello {{firstName}}, welcome back", "72° Mostly sunny", "Sports | Business | Opinion | Obituaries"):
        assert boilerplate_reason(line), line
    for line in ('"Get out of my office," she told him.', "Subscribers to the service rose 4% in the quarter.",
                 "The offer was rejected by shareholders on Friday, according to a filing."):
        assert boilerplate_reason(line) is None, line


def test_photo_credits_stripped_from_captions():
    raw = "Firefighters battle the blaze in Lisbon. (AP Photo/Ana Brigida)"
    s, e = caption_parts(raw)
    assert raw[s:e] == "Firefighters battle the blaze in Lisbon."
    raw = "Protesters march in Nairobi on Sunday.  Getty Images"
    s, e = caption_parts(raw)
    assert raw[s:e] == "Protesters march in Nairobi on Sunday."
    assert caption_parts("Photo: Marta Lopes") == (0, 0)
    assert caption_parts("He took the photo by the lake, he said.") is None


def test_paragraph_wrapping():
    text = "First line ends here.\nSecond stands alone\nbut this wraps.\n\nNew block;\nContinues.\n"
    got = [text[s.start:s.end] for s in split_paragraphs(text)]
    assert got == ["First line ends here.", "Second stands alone\nbut this wraps.", "New block;\nContinues."]


def test_metadata_shapes():
    assert byline("By JANE DOE, Associated Press") == "Jane Doe"
    assert byline("By Tuesday, the market had fallen.") is None
    assert dateline("CAIRO, Egypt (AP) — The") == ("CAIRO, Egypt", None, "AP")
    assert dateline("LONDON, Feb. 20, 2019 (Reuters) - Shares") == ("LONDON", "2019-02-20", "Reuters")
    assert dateline("The U.S. -- said") is None
    assert iso_date("3 September 2020") == "2020-09-03" and iso_date("July 2") == "July 2"
    assert publisher_from_boilerplate(["© 2019 The Daily Star. All rights reserved."]) == "The Daily Star"
    assert publisher_from_boilerplate(["Thank you for reading the Coastal Herald Tribune today"]) == "Coastal Herald Tribune"
    assert publisher_from_boilerplate(["© AP"]) is None
