"""The per-article caches' bound: never more than the limit, every entry stored is read back."""

from __future__ import annotations

from bot.caches import ClearedWhenFull


def test_a_full_cache_starts_afresh_and_keeps_what_it_was_given_last():
    cache = ClearedWhenFull(3)
    for k in range(10):
        cache[k] = str(k)
        assert len(cache) <= 3 and cache[k] == str(k)
    assert cache == {9: "9"}  # (9 came when 6, 7, 8 filled it)
    cache[9] = "nine"  # replacing an entry is no new one: nothing is cleared
    cache[10] = "10"
    assert cache == {9: "nine", 10: "10"}
