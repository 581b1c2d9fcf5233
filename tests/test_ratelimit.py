import pytest

from winnow.ratelimit import RateLimiter, retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_the_flood_is_told_how_long_to_wait():
    clock = Clock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.wait_for("10.0.0.1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.wait_for("10.0.0.1") == pytest.approx(0.5)
    assert limiter.wait_for("10.0.0.2") == 0.0
    clock.now += 0.5
    assert limiter.wait_for("10.0.0.1") == 0.0
    assert limiter.wait_for("10.0.0.1") == pytest.approx(0.5)


def test_a_client_within_the_rate_is_never_refused():
    clock = Clock()
    limiter = RateLimiter(rate=10.0, burst=1, clock=clock)
    for _ in range(1000):
        assert limiter.wait_for("key-1") == 0.0
        clock.now += 0.1


def test_rate_zero_switches_the_limit_off():
    limiter = RateLimiter(rate=0, burst=1, clock=Clock())
    assert all(limiter.wait_for("a") == 0.0 for _ in range(100))


def test_memory_is_bounded_and_forgetting_only_refills():
    clock = Clock()
    limiter = RateLimiter(rate=1.0, burst=1, clients=2, clock=clock)
    assert limiter.wait_for("a") == 0.0
    assert limiter.wait_for("a") > 0
    limiter.wait_for("b")
    limiter.wait_for("c")
    assert len(limiter._buckets) == 2
    assert limiter.wait_for("a") == 0.0


@pytest.mark.parametrize(("wait", "header"), [(0.01, "1"), (1.0, "1"), (1.2, "2"), (59.5, "60")])
def test_retry_after_is_whole_seconds_rounded_up(wait, header):
    assert retry_after(wait) == header
