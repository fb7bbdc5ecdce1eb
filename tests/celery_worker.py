"""Tests against a real Celery worker fed through Redis: a module sets `pytestmark = WORKER_TEST`,
its tests take the `worker` fixture (root conftest.py) and poll for the worker's effects with
`wait_for`."""
import os
import time

import pytest

WORKER_TEST = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (scripts/run-tests starts Redis)"),
]


def wait_for(predicate, seconds=15):
    """Whether `predicate()` turns true within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
