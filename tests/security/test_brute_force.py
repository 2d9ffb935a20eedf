"""Brute force against a real gunicorn with two workers sharing Flask-Limiter's counts in the real Redis:
one sign-in attempt past the limit, spread across both workers, is refused with 429."""
import threading
import uuid

import pytest
import redis

from tests.reliability.server import Browser, csrf_token, gunicorn

REDIS_URL = "redis://127.0.0.1:6379/15"
LIMIT = 6


@pytest.fixture
def redis_available():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")


def _attack(database_url, tmp_path) -> tuple[list[int], set[str]]:
    """One attempt past the limit, all released at once; the statuses and the workers that answered."""
    prefix = f"brute-{uuid.uuid4().hex}"
    with gunicorn(database_url, tmp_path, workers=2, REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix,
                  LOGIN_RATE_LIMIT=f"{LIMIT} per minute", LOGIN_ACCOUNT_RATE_LIMIT="1000 per hour") as (base, log):
        browsers = [Browser(base) for _ in range(LIMIT + 1)]
        tokens = []
        for browser in browsers:  # each its own session and form, as separate attackers' tabs would be
            _, page = browser.request("GET", "/login")
            tokens.append(csrf_token(page))
        gate = threading.Barrier(len(browsers))
        statuses = [None] * len(browsers)

        def attempt(i):
            gate.wait()
            statuses[i] = browsers[i].request("POST", "/login", {"email": "victim@ipdesk.example",
                                                                  "password": f"guess-{i}", "csrf_token": tokens[i]})[0]

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(browsers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        workers = {line.split()[0] for line in log.read_text().splitlines() if "POST /login" in line}
    connection = redis.Redis.from_url(REDIS_URL)
    keys = connection.keys(f"*{prefix}*")
    assert keys, "the counts live in Redis"
    connection.delete(*keys)
    return statuses, workers


@pytest.mark.db_independent
def test_one_attempt_past_the_limit_across_two_workers_is_429(database_url, app, redis_available, tmp_path):
    for round_ in range(4):  # the kernel decides which worker accepts: go again until both took a share
        folder = tmp_path / str(round_)
        folder.mkdir()
        statuses, workers = _attack(database_url, folder)
        assert sorted(statuses) == [200] * LIMIT + [429], statuses
        if len(workers) == 2:
            break
    assert len(workers) == 2, "the attempts never reached both workers"
