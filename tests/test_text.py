from bot import text


def sentences(s: str) -> list[str]:
    return [s[a:b] for a, b in text.split_sentences(s)]


def test_titles_and_abbreviations_do_not_end_a_sentence():
    s = "Mr. Smith met Dr. Jones and Mrs. Park. They talked."
    assert sentences(s) == ["Mr. Smith met Dr. Jones and Mrs. Park.", "They talked."]


def test_us_and_un_do_not_end_a_sentence():
    s = "The U.S. envoy met U.N. officials in Geneva. Talks went on."
    assert sentences(s) == ["The U.S. envoy met U.N. officials in Geneva.", "Talks went on."]


def test_month_abbreviation_and_number_range():
    s = "Kim meets Trump ahead of the Feb. 27-28 summit. It is in Hanoi."
    assert sentences(s) == ["Kim meets Trump ahead of the Feb. 27-28 summit.", "It is in Hanoi."]


def test_no_abbreviation():
    assert sentences("He was No. 2 in the party. He fell.") == ["He was No. 2 in the party.", "He fell."]


def test_initials_and_decimals():
    s = "The report by J. R. Smith found growth of 3.5 percent. Prices rose."
    assert sentences(s) == ["The report by J. R. Smith found growth of 3.5 percent.", "Prices rose."]


def test_dateline_stays_with_its_sentence():
    s = "SEOUL, July 2 (UPI) -- North Korean leader Kim Jong Un is driving officials to defect. Pyongyang responded."
    assert sentences(s)[0].startswith("SEOUL, July 2 (UPI) -- North Korean leader")
    assert len(sentences(s)) == 2


def test_spans_are_offsets_into_the_text_with_a_start():
    s = "Title line\n\nFirst sentence here. Second one."
    spans = text.split_sentences(s, 12, len(s))
    assert [s[a:b] for a, b in spans] == ["First sentence here.", "Second one."]


def test_very_long_text_without_punctuation_is_cut_into_quotable_pieces():
    s = "word " * 3000
    spans = text.split_sentences(s)
    assert len(spans) > 1
    assert all(b - a <= text.MAX_SENTENCE_CHARS for a, b in spans)


def test_terms_fold_case_unicode_and_possessives():
    assert text.terms("Kim's") == ["kim"]
    assert text.terms("Pyongyang’s") == text.terms("Pyongyang's") == ["pyongyang"]
    assert text.terms("CAFÉ") == text.terms("cafe")


def test_numbers_are_kept():
    assert "2014" in text.terms("in 2014")
    assert {"27-28", "27", "28"} <= set(text.terms("Feb. 27-28"))
    assert "1000" in text.terms("1,000 people")
    assert "3.5" in text.terms("3.5 percent")


def test_hyphenated_names_findable_whole_and_by_parts():
    got = text.terms("Jang Song-thaek")
    assert "song-thaek" in got and "song" in got and "thaek" in got


def test_stopwords_removed_and_stemming_applied():
    assert text.terms("The officials were executed") == ["offici", "execut"]


def test_question_words_never_decide_a_match():
    words = [w.surface for w in text.query_words("How many officials? Who? Why? What about it? Which one, how much?")]
    assert words == ["officials", "one"]


def test_acronyms_survive_stopword_removal():
    assert text.terms("the U.S. said") == ["us", "said"]


def test_plain_terms_are_lowercase_words_without_stemming():
    assert text.plain_terms("The Officials were EXECUTED.") == ["the", "officials", "were", "executed"]


def test_fast_path_agrees_with_punkt_wherever_it_answers():
    from pathlib import Path

    from bot.corpus.load import load_corpus

    root = Path(__file__).resolve().parent
    paragraphs = [
        "Plain sentence one. Plain sentence two? Third one! Fourth.",
        "He met Mr. Smith. Then he left.",  # abbreviation: Punkt decides
        "The U.S. said so. Fine.",
        "It grew 3.5 percent. Prices rose.",
        'He said "no." Then he left.',
        "Wrapped line one.\nWrapped line two.",
        "Ends with a space. ",
        "A short one. B. Then more text here.",
        "Growth was strong in 2014. Then it fell.",
        "Kim ordered it. Jang was executed in 2013. His uncle died.",
        "He scored 76.8 points. The end.",
        "It was 2014. Then 2015. 3 more came.",
        "He said no. 2 days later it ended.",
        "It is A. Smith. He left.",
        "See fig.3 above. Done.",
        "Wait... what? Yes.",
    ]
    for folder in (root.parent / "seeds", root / "fixtures" / "pages"):
        corpus = load_corpus(folder)
        paragraphs += [a.text[p.start:p.end] for a in corpus.articles for p in a.paragraphs]
    answered = 0
    for chunk in paragraphs:
        fast = text.direct_boundaries(chunk)
        if fast is not None:
            answered += 1
            assert fast == list(text.punkt_splitter().span_tokenize(chunk)), chunk
    assert answered >= 10
    assert text.direct_boundaries("He met Mr. Smith. Then he left.") is None


def test_a_request_frame_is_no_part_of_the_topic():
    words = lambda q: [w.surface for w in text.query_words(q)]  # noqa: E731
    assert words("Tell me about sanctions") == ["sanctions"]
    assert words("What do we know about Kim's plans?") == ["kim", "plans"]
    assert words("Any news on the summit?") == ["summit"]
    assert words("what did the report say about musicians?") == ["musicians"]
    assert "tell" in words("What did Kim tell the officials?")  # a verb of the question stays
    assert words("Tell me") == ["tell"]  # a frame with nothing after it is all there is
    assert words("ＴＥＬＬ ｍｅ about Ｋｉｍ") == ["kim"]  # full-width letters fold to the same frame


def test_topic_requests_are_told_from_questions_for_facts():
    for q in ("Tell me about sanctions", "What do we know about Kim's plans?", "Sanctions?", "Kim Jong Un",
              "any news on the summit", "the Hanoi summit"):
        assert text.is_topic_request(q), q
    for q in ("When is the Hanoi summit?", "Is Kim worried about hardliners?", "how many defectors testified?",
              "Did the talks fail?", "", "?!", "the report that was released by the centre on Thursday morning"):
        assert not text.is_topic_request(q), q


def test_compound_terms_join_and_split_hyphens():
    assert "hard-liner" in text.compound_terms("hardliners")
    assert text.compound_terms("e-mail") == [text.terms_of_tokens(["email"])[0]]
    assert text.compound_terms("kim") == []


def test_an_index_surface_map_holds_the_snowball_stems_of_its_alphabetic_words(seeds_index):
    """Stemming looks words up in the index's surface map first: for every alphabetic word there, the
    map's term must be exactly what the stemmer gives (and words the map does not hold still stem)."""
    from nltk.stem.snowball import SnowballStemmer

    stemmer = SnowballStemmer("english")
    alphabetic = {w: t for w, t in seeds_index.surface_terms.items() if w.isalpha()}
    assert len(alphabetic) > 300
    assert all(stemmer.stem(w) == t for w, t in alphabetic.items())
    assert text.terms("executions testified hardliners") == [stemmer.stem(w) for w in
                                                            ("executions", "testified", "hardliners")]


def test_words_by_pieces_are_the_expressions_words_of_the_whole_text():
    """terms_and_surfaces tokenises each space-separated piece once and caches it; on any text it gives
    what the token expression over the whole folded text gives, word for word, with or without an
    index's surface map."""
    import random

    rng = random.Random(11)
    parts = ["Kim's", "hard-liners", "U.S.", "u.s.-led", "1,000", "3.5", "27-28", "Feb.", "naïve", "Straße",
             "’90s", "co‐operate", "o'neill", "—", "(Reuters)", "said,", "2nd", "x_y", "日本", "e-mail", "the", "a.m.",
             "don't", "'quoted'", "3:15", "Trump-Kim", "...", "--", "A.", "ﬁne"]
    spaces = [" ", "  ", "\n", "\t", "\u00a0", " \u2009"]

    def expected(t: str, known) -> tuple[list[str], list[str]]:
        terms, surfaces = [], []
        for token in text.TOKEN_RE.findall(text.fold(t)):
            term = text.known_term(token, known)
            words = [text.Word(token, term)] if term is not None else text.words_of_token(token)
            terms += [w.term for w in words]
            surfaces += [w.surface for w in words]
        return terms, surfaces

    known = {"kim": "kim", "said": "said", "report": "report", "naive": "naiv"}
    for _ in range(400):
        t = "".join(rng.choice(parts) + (rng.choice(spaces) if rng.random() < 0.8 else "") for _ in range(rng.randint(0, 12)))
        for k in (None, known):
            assert text.terms_and_surfaces(t, k) == expected(t, k), t
            assert text.terms_and_surfaces(t, k) == expected(t, k), t  # from the cache the second time
