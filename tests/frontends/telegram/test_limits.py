"""bot.frontends.telegram.limits: the per-user rate and the allowlist (Telegram's own limits and the
retries on 5xx are exercised against the stand-in Bot API in test_app)."""

from __future__ import annotations

import time

from bot.config import Settings
from bot.frontends.telegram.limits import Admission, PerKeyLimit
from bot.frontends.telegram.markup import REFUSAL, SLOW_DOWN


def test_per_key_limit_counts_each_key_within_its_window():
    limit = PerKeyLimit(2, 0.2)
    assert [limit.allow("a") for _ in range(3)] == [True, True, False]
    assert limit.allow("b")  # another key has its own budget
    time.sleep(0.25)
    assert limit.allow("a")


def test_per_key_limit_forgets_the_oldest_keys():
    limit = PerKeyLimit(1, 60, max_keys=2)
    assert limit.allow(1) and limit.allow(2) and limit.allow(3)
    assert limit.allow(1)  # dropped, so counted afresh
    assert not limit.allow(3)


def test_everyone_is_allowed_without_an_allowlist():
    admission = Admission(Settings())
    assert admission.check(1, 1).admitted and admission.check(2, -100).admitted


def test_the_allowlist_refuses_others_and_says_so_once():
    admission = Admission(Settings(allowed_users=frozenset({1}), allowed_chats=frozenset({-100})))
    assert admission.check(1, 1).admitted
    assert admission.check(2, -100).admitted  # anyone in an allowed group
    first, second = admission.check(2, 2), admission.check(2, 2, count=False)
    assert (first.admitted, first.reason, first.tell) == (False, REFUSAL, True)
    assert (second.admitted, second.reason, second.tell) == (False, REFUSAL, False)


def test_over_the_rate_limit_slow_down_is_said_once_a_minute():
    admission = Admission(Settings(rate_limit=2))
    assert [admission.check(1, 1).admitted for _ in range(2)] == [True, True]
    first, second = admission.check(1, 1), admission.check(1, 1)
    assert (first.admitted, first.reason, first.tell) == (False, SLOW_DOWN, True)
    assert (second.admitted, second.tell) == (False, False)
    assert admission.check(1, 1, count=False).admitted  # commands are not counted
    assert admission.check(2, 2).admitted  # others are not slowed down
