from bot.index.spelling import Speller, edit_distance


def test_edit_distance_counts_transpositions_once():
    assert edit_distance("executed", "exectued", 2) == 1
    assert edit_distance("kitten", "sitting", 5) == 3
    assert edit_distance("abc", "abcdefgh", 2) == 3  # beyond the limit: limit + 1


def test_corrects_to_closest_then_most_frequent_word():
    speller = Speller.build({"executed": 5, "executes": 1, "minister": 3, "ministry": 9})
    assert speller.correct("executd").word == "executed"
    assert speller.correct("minster").word == "minister"
    assert speller.correct("exectued").word == "executed"


def test_no_correction_for_far_or_short_or_known_words():
    speller = Speller.build({"executed": 5, "cat": 3})
    assert speller.correct("zebra") is None
    assert speller.correct("cot") is None  # too short to correct safely
    assert speller.correct("executed") is None
