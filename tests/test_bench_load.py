"""The bench's load generator, paced: latencies count from when a request was due."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from bench.load import Call, load

SERVICE = 0.05  # seconds each answer takes; one at a time, so 20 answers a second at most


class _Slow(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(SERVICE)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


class _Server(HTTPServer):
    request_queue_size = 64  # every paced connection is accepted, then waits its turn


@pytest.fixture(scope="module")
def port():
    server = _Server(("127.0.0.1", 0), _Slow)  # one request at a time
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def paced(port: int, rate: float):
    # In a thread of its own: the generator runs its own event loop (asyncio.run), and a browser
    # test before this one in the same process can leave one set on the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        calls = lambda: Call("GET", "/")  # noqa: E731 -- the generator's own call factory
        return pool.submit(load, "paced", port, calls, max_seconds=1.0, rate=rate).result()


def test_below_capacity_each_wait_is_about_one_answer(port):
    result = paced(port, rate=5)
    assert result.statuses[204] == result.requests == 5
    assert SERVICE * 1000 <= result.p99 < 4 * SERVICE * 1000
    assert result.concurrency == 1


def test_above_capacity_the_queue_shows_in_the_tail(port):
    # 40 a second for a second against 20 a second: requests wait for the ones before them, and
    # a request that starts late still counts from when it was due.
    result = paced(port, rate=40)
    assert result.statuses[204] == result.requests == 40
    assert result.p99 > 0.8 * (40 * SERVICE - 1.0) * 1000  # the last waits for ~39 answers
    assert result.concurrency > 10
