"""The intake's sliding-window counter: what it allows, what it refuses, and the Retry-After it gives."""

from limits import parse

from leads.forms.intake import IntakeLimiter, SlidingWindowCounter


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_allows_the_limit_in_a_window_then_refuses_until_the_window_ends():
    clock = Clock(600.0)  # the start of a one-minute window
    counter = SlidingWindowCounter(parse("3/minute"), clock)
    assert [counter.hit("a") for _ in range(3)] == [None, None, None]
    clock.now = 615.0
    assert counter.hit("a") == 45  # the current window alone is full: until it ends
    assert counter.hit("b") is None  # another key has its own count


def test_the_previous_window_weighs_by_its_share_still_inside_the_last_minute():
    clock = Clock(600.0)
    counter = SlidingWindowCounter(parse("4/minute"), clock)
    for _ in range(4):
        assert counter.hit("a") is None
    clock.now = 675.0  # a quarter into the next window: the previous 4 weigh 3
    assert counter.hit("a") is None  # 3 + 0 < 4
    assert counter.hit("a") == 1  # 3 + 1: one more as soon as the previous window weighs under 3
    clock.now = 676.0
    assert counter.hit("a") is None  # 4 * (1 - 16/60) + 1 = 3.93
    assert counter.hit("a") == 14  # 2.93 + 2: the previous must weigh under 2, i.e. from 690 on
    clock.now = 690.5
    assert counter.hit("a") is None  # 4 * (1 - 30.5/60) + 2 = 3.97


def test_windows_older_than_the_previous_are_forgotten():
    clock = Clock(600.0)
    counter = SlidingWindowCounter(parse("1/minute"), clock)
    assert counter.hit("a") is None
    clock.now = 790.0  # two windows later: nothing of the first one counts
    assert counter.hit("a") is None and counter.previous == {}
    assert counter.hit("a") == 50


async def test_limiter_keeps_each_scope_and_limit_apart():
    limiter = IntakeLimiter("2/minute", "100/second", "5/minute")
    assert [await limiter.check_ip("submit", "1.2.3.4") for _ in range(2)] == [None, None]
    assert await limiter.check_ip("submit", "1.2.3.4") >= 1
    assert await limiter.check_ip("submit", "5.6.7.8") is None  # another address
    assert await limiter.retry_after(limiter.track, "track", "1.2.3.4") is None  # another scope
    assert await limiter.check_form("f1", "1/hour") is None
    assert await limiter.check_form("f1", "1/hour") >= 1
    assert await limiter.check_form("f1", None) is None  # the default limit counts apart
