"""The intake's sliding-window counter: what it allows, what it refuses, and the Retry-After it gives
(waiting exactly that long lets the next hit in; a second less does not)."""

import random

from limits import parse

from leads.forms.intake import IntakeLimiter, SlidingWindowCounter


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def honoured(counter: SlidingWindowCounter, clock: Clock, key: str, wait: int) -> bool:
    """A hit `wait - 1` seconds after a refusal is refused, one `wait` seconds after it is allowed (on a
    copy of the counter's state, so the caller's sequence goes on unchanged)."""
    saved, now = (counter.window, dict(counter.current), dict(counter.previous)), clock.now
    clock.now = now + wait - 1
    early = counter.hit(key)
    counter.window, counter.current, counter.previous = saved[0], dict(saved[1]), dict(saved[2])
    clock.now = now + wait
    on_time = counter.hit(key)
    counter.window, counter.current, counter.previous = saved
    clock.now = now
    return (wait == 1 or early is not None) and on_time is None


def test_allows_the_limit_in_a_window_then_refuses_until_the_previous_weighs_under_it():
    clock = Clock(600.0)  # the start of a one-minute window
    counter = SlidingWindowCounter(parse("3/minute"), clock)
    assert [counter.hit("a") for _ in range(3)] == [None, None, None]
    clock.now = 615.0
    assert counter.hit("a") == 46  # at 660 the three weigh 3 still: the first second after it
    assert honoured(counter, clock, "a", 46)
    assert counter.hit("b") is None  # another key has its own count


def test_the_previous_window_weighs_by_its_share_still_inside_the_last_minute():
    clock = Clock(600.0)
    counter = SlidingWindowCounter(parse("4/minute"), clock)
    for _ in range(4):
        assert counter.hit("a") is None
    clock.now = 675.0  # a quarter into the next window: the previous 4 weigh 3
    assert counter.hit("a") is None  # 3 + 0 < 4
    assert counter.hit("a") == 1  # 3 + 1 = 4: one more just after
    clock.now = 676.0
    assert counter.hit("a") is None  # 4 * (1 - 16/60) + 1 = 3.93
    assert counter.hit("a") == 15  # 2.93 + 2: the previous must weigh under 2, i.e. after 690
    assert honoured(counter, clock, "a", 15)
    clock.now = 690.0
    assert counter.hit("a") is not None  # exactly 4: still refused
    clock.now = 690.5
    assert counter.hit("a") is None  # 4 * (1 - 30.5/60) + 2 = 3.97


def test_windows_older_than_the_previous_are_forgotten():
    clock = Clock(600.0)
    counter = SlidingWindowCounter(parse("1/minute"), clock)
    assert counter.hit("a") is None
    clock.now = 790.0  # two windows later: nothing of the first one counts
    assert counter.hit("a") is None and counter.previous == {}
    assert counter.hit("a") == 51
    assert honoured(counter, clock, "a", 51)


def test_a_clock_stepping_back_keeps_the_counts():
    clock = Clock(660.5)
    counter = SlidingWindowCounter(parse("3/minute"), clock)
    assert [counter.hit("a") for _ in range(3)] == [None, None, None]
    clock.now = 659.9  # the wall clock corrected backwards, across the window's start
    assert counter.hit("a") is not None
    clock.now = 660.7
    assert counter.hit("a") is not None


def test_every_retry_after_is_honoured_over_random_hits():
    rng = random.Random(7)
    for limit in ("3/minute", "20/minute", "100/second", "2/hour", "50/10 seconds"):
        item = parse(limit)
        clock = Clock(1_764_000_000.0)
        counter = SlidingWindowCounter(item, clock)
        refusals = 0
        for _ in range(3000):
            length = item.get_expiry()
            # bursts, fractions of a window and whole seconds (where a wait ends exactly on a threshold)
            fast = [0.0, length / item.amount / 4]  # four times the limit's pace
            slow = [rng.random() * length / 2, float(rng.randint(0, max(1, length // 4)))]
            clock.now += rng.choice(slow) if rng.random() < min(0.1, 1 / item.amount) else rng.choice(fast)
            key = rng.choice("ab")
            wait = counter.hit(key)
            if wait is not None:
                refusals += 1
                assert 1 <= wait <= item.get_expiry() + 1
                assert honoured(counter, clock, key, wait), (limit, clock.now, wait)
        assert refusals > 0


async def test_limiter_keeps_each_scope_and_limit_apart():
    limiter = IntakeLimiter("2/minute", "100/second", "5/minute", clock=Clock(600.0))
    assert [await limiter.check_ip("submit", "1.2.3.4") for _ in range(2)] == [None, None]
    assert await limiter.check_ip("submit", "1.2.3.4") == 61
    assert await limiter.check_ip("submit", "5.6.7.8") is None  # another address
    assert await limiter.retry_after(limiter.track, "track", "1.2.3.4") is None  # another scope
    assert await limiter.check_form("f1", "1/hour") is None
    assert await limiter.check_form("f1", "1/hour") == 3001  # the hour started at 0
    assert await limiter.check_form("f1", None) is None  # the default limit counts apart
