"""With REDIS_URL set, sign-in attempts are counted in Redis, shared by every worker process."""

import uuid

import pytest
import redis

from ipdesk.extensions import db
from tests.conftest import make_app

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_available():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")


def test_two_workers_share_the_login_limit(database_url, redis_available):
    prefix = f"test-{uuid.uuid4().hex}"
    settings = {
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_RATE_LIMIT": "4 per minute",
    }
    worker_a = make_app(database_url, **settings)
    worker_b = make_app(database_url, **settings)
    codes = []
    for attempt in range(5):
        app = worker_a if attempt % 2 == 0 else worker_b
        with app.app_context():
            codes.append(
                app.test_client().post("/login", data={"email": "someone@x.example", "password": "guess"}).status_code
            )
            db.session.remove()
    assert codes == [200, 200, 200, 200, 429]
    keys = redis.Redis.from_url(REDIS_URL).keys(f"*{prefix}*")
    assert keys, "the counts live in Redis"
    for app in (worker_a, worker_b):
        with app.app_context():
            db.engine.dispose()
