"""Growing delays: each miss past the free ones doubles the wait, and every wait ends."""

from __future__ import annotations

import pytest

from guichet.core import ratelimit


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])
    return now


def test_misses_past_the_free_ones_double_the_wait(clock):
    key = "receipt-ip:192.0.2.1"
    assert [ratelimit.slow_down(key, free_attempts=3) for _i in range(3)] == [0, 0, 0]
    assert ratelimit.wait_seconds(key) == 0
    waits = [ratelimit.slow_down(key, free_attempts=3) for _i in range(4)]
    assert waits == [2, 4, 8, 16]
    assert ratelimit.wait_seconds(key) == 16


def test_the_wait_ends(clock):
    key = "receipt-ip:192.0.2.2"
    ratelimit.slow_down(key, free_attempts=0)
    assert ratelimit.wait_seconds(key) == 2
    clock[0] += 2
    assert ratelimit.wait_seconds(key) == 0


def test_the_wait_never_exceeds_an_hour(clock):
    key = "receipt-ip:192.0.2.3"
    for _i in range(30):
        wait = ratelimit.slow_down(key, free_attempts=0)
    assert wait == ratelimit.MAX_WAIT_SECONDS


def test_one_address_waiting_does_not_slow_another(clock):
    for _i in range(5):
        ratelimit.slow_down("receipt-ip:192.0.2.4", free_attempts=1)
    assert ratelimit.wait_seconds("receipt-ip:192.0.2.5") == 0
