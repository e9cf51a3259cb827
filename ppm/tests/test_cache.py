"""ppm.cache.RedisCache: Django's Redis backend with its client reused, against a real Redis."""

import os
import threading
import uuid

import pytest

from ppm.cache import RedisCache
from ppm.testing import redis_test_url


def _redis_url() -> str:
    url = redis_test_url()
    if url is None:
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable")
        pytest.skip("Redis is not reachable")
    return url


@pytest.fixture
def backend():
    prefix = f"cache-test-{uuid.uuid4().hex}"
    cache = RedisCache(_redis_url(), {"KEY_PREFIX": prefix})
    yield cache
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def test_one_client_serves_every_operation(backend):
    first = backend._cache.get_client(write=True)
    backend.set("a", {"x": 1})
    assert backend.get("a") == {"x": 1}
    assert backend.get_many(["a", "missing"]) == {"a": {"x": 1}}
    assert backend.add("b", 1) and not backend.add("b", 2)
    assert backend.incr("b") == 2
    backend.delete("a")
    assert backend.get("a") is None
    assert backend._cache.get_client(write=True) is first
    assert backend._cache.get_client(write=False) is first  # one server: one pool, one client


def test_the_shared_client_counts_right_from_many_threads(backend):
    backend.set("n", 0)
    errors = []

    def bump():
        try:
            for _ in range(50):
                backend.incr("n")
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert backend.get("n") == 400
