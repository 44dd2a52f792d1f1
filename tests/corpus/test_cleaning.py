"""The general line rules, one shape at a time (none of these strings are in the seeds)."""

from bot.corpus.cleaning import boilerplate_reason, caption_parts, split_paragraphs
from bot.corpus.metadata import byline, dateline, iso_date, publisher_from_boilerplate


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


def test_long_encyclopedic_paragraph_is_not_promotion():
    from bot.corpus.cleaning import boilerplate_reason

    warsaw = (
        "The basic unit of territorial division in Poland is a commune (gmina). A city is also a commune – but "
        "with the city charter. Both cities and communes are governed by a mayor – but in the communes the mayor "
        "is vogt (wójt in Polish), however in the cities – burmistrz. Some bigger cities obtain the entitlements, "
        "i.e. tasks and privileges, which are possessed by the units of the second level of the territorial "
        "division – counties or powiats. An example of such entitlement is a car registration: a gmina cannot "
        "register cars, this is a powiat's task (i.e. a registration number depends on what powiat a car had "
        "been registered, not gmina). In this case we say about city county or powiat grodzki. Such cities are "
        "for example Lublin, Kraków, Gdańsk, Poznań. In Warsaw, its districts additionally have some of powiat's "
        "entitlements – like already mentioned car registration. For example, the district Wola has its own "
        "evidence and the district Ursynów – its own (and the cars from Wola have another type of registration "
        "number than these from Ursynów). But for instance the districts in Kraków do not have entitlements of "
        "powiat, so the registration numbers in Kraków are of the same type for all districts."
    )
    assert boilerplate_reason(warsaw) is None
    pitch = ("Subscribe now for unlimited access to our award-winning journalism. Get the newsletter in your "
             "inbox every morning. Download our apps for every device. Cancel any time. Only $1 a week for "
             "your first month of digital access, billed monthly.")
    assert boilerplate_reason(pitch) == "promotion"
    assert boilerplate_reason("Support local journalism. Subscribe today for just 99 cents a week.") == "promotion"


def test_promotion_hints_are_in_every_match():
    # One phrase per alternative of the promotion patterns: each must match, and each match must hold
    # one of the literals that let a paragraph without any skip the patterns.
    from bot.corpus import cleaning

    strong = ["subscribers", "unlimited", "free articles", "free story", "free stories", "free trial", "trial",
              "offers", "premium", "paywall", "membership", "member only", "members only", "signed in", "sign up",
              "logged in", "log in", "registered", "registration", "newsletters", "inbox", "digital access",
              "full access", "per month", "per year", "a week", "cancel anytime",
              "cancel any time", "cancel at any time", "billed", "discount", "click here", "tap here", "follow us",
              "$ 5", "€9", "£1", "50% off"]
    weak = ["access", "app", "apps", "account", "exclusive", "exclusives", "insights", "device", "tablet", "mobile",
            "download", "article", "coverage", "journalism", "plan", "plans"]
    for pattern, hints, phrases in ((cleaning._STRONG_PROMO, cleaning._STRONG_HINTS, strong),
                                    (cleaning._WEAK_PROMO, cleaning._WEAK_HINTS, weak)):
        for phrase in phrases:
            found = pattern.findall(f"x {phrase} y")
            assert found == [phrase], phrase
            assert any(h in phrase for h in hints), phrase
