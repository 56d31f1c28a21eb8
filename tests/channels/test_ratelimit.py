"""Failed API keys slow their sender down, and nobody else: a valid key is never refused,
valid requests leave no trace in the limiter, and forwarded addresses are believed only
from the proxies an operator names."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from limits import RateLimitItemPerDay, RateLimitItemPerMinute
from limits.storage import MemoryStorage, RedisStorage

from baro.channels.web.ratelimit import FailedAttempts, TooManyAttempts
from baro.core.config import Settings
from baro.platform import Platform
from tests.channels.conftest import FakeTime
from tests.channels.support import (
    World,
    api,
    assert_problem,
    bearer,
    same_app_from,
)

REDIS_URL = os.environ.get("BARO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LIMIT = RateLimitItemPerMinute(3)
ATTACKER, VICTIM, PROXY = "203.0.113.66", "198.51.100.7", "10.0.0.1"
GUESS = bearer("bk_live_guess")


@pytest.fixture
def redis_storage() -> Iterator[RedisStorage]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        message = f"Redis at {REDIS_URL} is not reachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + " (set BARO_TEST_REDIS_URL)")
    storage = RedisStorage(REDIS_URL, key_prefix=f"baro-test-{uuid.uuid4().hex}")
    yield storage
    storage.reset()


def test_only_failures_past_the_limit_are_refused(fake_time: FakeTime) -> None:
    failed = FailedAttempts(MemoryStorage(), limit=LIMIT)

    answers = [failed.failed(ATTACKER) for _ in range(4)]

    assert answers[:3] == [None, None, None]
    assert isinstance(answers[3], TooManyAttempts)
    assert failed.failed(VICTIM) is None  # another address counts on its own


def test_failures_are_forgotten_after_two_windows(fake_time: FakeTime) -> None:
    """The window slides: a minute later half of the last minute still counts, two minutes
    later nothing does."""
    failed = FailedAttempts(MemoryStorage(), limit=LIMIT)
    for _ in range(3):
        failed.failed(ATTACKER)

    fake_time.now += 120

    assert failed.failed(ATTACKER) is None


def test_refused_failures_do_not_grow_the_count(fake_time: FakeTime) -> None:
    storage = MemoryStorage()
    failed = FailedAttempts(storage, limit=LIMIT)

    for _ in range(1000):
        failed.failed(ATTACKER)

    assert sum(storage.storage.values()) == 3


def test_an_unreachable_redis_lets_the_401_through() -> None:
    """The limiter is defence in depth: its store being down must not turn 401s into 500s."""
    failed = FailedAttempts.at("redis://127.0.0.1:1/0")

    assert failed.failed(ATTACKER) is None


def test_redis_holds_the_limit_across_worker_processes(redis_storage: RedisStorage) -> None:
    """Two workers (two limiters on one Redis) share the count of a client's failures."""
    # Redis keeps its own time, which no test can stop: a day's window makes it all but
    # impossible for these four failures to straddle the window's end.
    per_day = RateLimitItemPerDay(3)
    worker_1 = FailedAttempts(redis_storage, limit=per_day)
    worker_2 = FailedAttempts(
        RedisStorage(REDIS_URL, key_prefix=redis_storage.key_prefix), limit=per_day
    )

    worker_1.failed(ATTACKER)
    worker_2.failed(ATTACKER)
    worker_1.failed(ATTACKER)

    assert isinstance(worker_2.failed(ATTACKER), TooManyAttempts)
    assert worker_1.failed(VICTIM) is None


# Through the API --------------------------------------------------------------------------


def test_the_twenty_first_failure_of_a_minute_is_429(platform: Platform, world: World) -> None:
    with api(platform, client=(ATTACKER, 4000)) as client:
        failures = [client.get("/v1/orders", headers=GUESS) for _ in range(20)]
        limited = client.get("/v1/orders", headers=GUESS)

    assert {r.status_code for r in failures} == {401}
    assert_problem(limited, 429, "too_many_attempts")
    assert limited.headers["Retry-After"] == "60"


def test_a_valid_key_is_never_refused_for_its_addresses_failures(
    platform: Platform, world: World
) -> None:
    """Someone behind the same address (a NAT) fails 50 times; the customer's key works."""
    with api(platform, client=(VICTIM, 4000)) as client:
        for _ in range(50):
            client.get("/v1/orders", headers=GUESS)
        assert_problem(client.get("/v1/orders", headers=GUESS), 429, "too_many_attempts")
        mine = client.get("/v1/orders", headers=bearer(world.buyer.api_key))
        cart = client.get("/v1/cart", headers=bearer(world.buyer.api_key))

    assert mine.status_code == 200 and cart.status_code == 200


def test_valid_requests_leave_nothing_in_the_limiter(platform: Platform, world: World) -> None:
    with api(platform) as client:
        for n in range(30):
            response = same_app_from(client, f"192.0.2.{n}").get(
                "/v1/orders", headers=bearer(world.buyer.api_key)
            )
            assert response.status_code == 200
        storage = client.app.state.failed_auth.storage

    assert isinstance(storage, MemoryStorage)
    assert len(storage.storage) == 0 and len(storage.events) == 0


def test_a_forwarded_for_header_from_an_unlisted_client_changes_nothing(
    platform: Platform, world: World
) -> None:
    """Without BARO_FORWARDED_ALLOW_IPS, rotating X-Forwarded-For does not reset the count,
    and naming a victim's address does not spend the victim's allowance."""
    with api(platform, client=(ATTACKER, 4000)) as attacker:
        for n in range(20):
            attacker.get("/v1/orders", headers={**GUESS, "X-Forwarded-For": f"192.0.2.{n}"})
        rotated = attacker.get("/v1/orders", headers={**GUESS, "X-Forwarded-For": VICTIM})
        victims_typo = same_app_from(attacker, VICTIM).get("/v1/orders", headers=GUESS)

    assert_problem(rotated, 429, "too_many_attempts")
    assert_problem(victims_typo, 401, "not_authenticated")


def test_a_listed_proxy_names_the_client(
    database_url: str, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(database_url=database_url, forwarded_allow_ips=PROXY)
    platform = Platform.start(settings, clock=clock)
    try:
        with api(platform, client=(PROXY, 4000)) as proxy:
            for _ in range(20):
                proxy.get("/v1/orders", headers={**GUESS, "X-Forwarded-For": ATTACKER})
            attacker = proxy.get("/v1/orders", headers={**GUESS, "X-Forwarded-For": ATTACKER})
            other = proxy.get("/v1/orders", headers={**GUESS, "X-Forwarded-For": VICTIM})
            direct = same_app_from(proxy, ATTACKER)
            spoofed = direct.get("/v1/orders", headers={**GUESS, "X-Forwarded-For": VICTIM})
    finally:
        platform.close()

    assert_problem(attacker, 429, "too_many_attempts")
    assert_problem(other, 401, "not_authenticated")
    assert_problem(spoofed, 429, "too_many_attempts")  # not a proxy: its own address counts


def test_the_limiter_uses_redis_when_configured(database_url: str, clock, redis_storage) -> None:
    settings = Settings(database_url=database_url, redis_url=REDIS_URL)
    platform = Platform.start(settings, clock=clock)
    try:
        with api(platform) as client:
            assert isinstance(client.app.state.failed_auth.storage, RedisStorage)
    finally:
        platform.close()


def test_one_click_past_the_limit_is_429(platform: Platform, world: World) -> None:
    press = {"product_id": world.product}
    with api(platform, client=(ATTACKER, 4000)) as client:
        for n in range(20):
            client.post("/v1/orders/one-click", json=press, headers=bearer("bk_live_x", f"k{n}"))
        limited = client.post("/v1/orders/one-click", json=press, headers=bearer("bk_live_x", "k"))

    assert_problem(limited, 429, "too_many_attempts")
