"""A small HTTP load generator: asyncio, one connection per request, loopback only.

Closed loop by default: `concurrency` clients, each sending its next request when the last is
answered, as fast as the server allows. With a `rate`, open loop: requests start on a fixed
schedule whether or not earlier ones are answered, and each latency counts from when its
request was due, so a late start is not hidden (no coordinated omission).

Written here rather than installed (wrk would need Lua for fresh form tokens and unique
addresses per request). It runs in one process, so on a small machine it takes CPU from the
server under test; every figure is therefore compared with a baseline measured the same way.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Call:
    """One request: method, path, extra headers and body."""

    method: str = "GET"
    path: str = "/"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    seconds: float
    size: int


@dataclass
class Result:
    name: str
    concurrency: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0
    answers: list[tuple[Call, Answer]] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        """Return a latency percentile in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
        return ordered[rank] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    def joined(self, later: Result) -> Result:
        """This phase and a later round of it, as one phase."""
        return Result(
            name=self.name,
            concurrency=self.concurrency,
            seconds=self.seconds + later.seconds,
            latencies=self.latencies + later.latencies,
            statuses=self.statuses + later.statuses,
            errors=self.errors + later.errors,
            answers=self.answers + later.answers,
        )

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "concurrency": self.concurrency,
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50, 2),
            "p99_ms": round(self.p99, 2),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.errors,
        }


async def fetch(port: int, call: Call, host: str = "127.0.0.1", timeout: float = 30) -> Answer:
    """Send one HTTP/1.1 request on a fresh connection and read the whole answer."""
    started = time.perf_counter()
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        lines = [f"{call.method} {call.path} HTTP/1.1", f"Host: {host}:{port}"]
        lines += [f"{name}: {value}" for name, value in call.headers]
        if call.body or call.method == "POST":
            lines.append(f"Content-Length: {len(call.body)}")
        lines.append("Connection: close")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + call.body)
        raw = await asyncio.wait_for(reader.read(-1), timeout)
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), headers, time.perf_counter() - started, len(body))


async def _send(
    result: Result, port: int, call: Call, keep: bool, due: float | None = None
) -> None:
    """Send `call` and count its answer in `result`; with `due`, its latency counts from then."""
    try:
        answer = await fetch(port, call)
    except (TimeoutError, OSError, ValueError, IndexError):
        result.errors += 1
        return
    if due is not None:
        answer.seconds = time.perf_counter() - due
    result.latencies.append(answer.seconds)
    result.statuses[answer.status] += 1
    if keep:
        result.answers.append((call, answer))


async def _run(
    name: str,
    port: int,
    calls: Iterator[Call],
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    keep: bool,
) -> Result:
    result = Result(name=name, concurrency=concurrency, seconds=0.0)
    budget = itertools.count()
    started = time.perf_counter()
    deadline = started + max_seconds

    async def client() -> None:
        while time.perf_counter() < deadline and next(budget) < max_requests:
            call = next(calls, None)
            if call is None:
                return
            await _send(result, port, call, keep)

    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


async def _paced(
    name: str, port: int, calls: Iterator[Call], rate: float, max_seconds: float, keep: bool
) -> Result:
    result = Result(name=name, concurrency=0, seconds=0.0)
    started = time.perf_counter()
    in_flight: set[asyncio.Task] = set()
    for sent in itertools.count():
        due = started + sent / rate
        if due >= started + max_seconds:
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        call = next(calls, None)
        if call is None:
            break
        task = asyncio.create_task(_send(result, port, call, keep, due))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        result.concurrency = max(result.concurrency, len(in_flight))  # the most at once
    await asyncio.gather(*in_flight)
    result.seconds = time.perf_counter() - started
    return result


def load(
    name: str,
    port: int,
    calls: Iterator[Call] | Callable[[], Call],
    concurrency: int = 16,
    max_requests: int = 20_000,
    max_seconds: float = 8.0,
    warmup: int = 0,
    keep: bool = False,
    rate: float | None = None,
) -> Result:
    """Run `calls` against 127.0.0.1:`port` until the request or time budget is spent; with a
    `rate`, `rate` requests a second for `max_seconds` (open loop; `concurrency` is not used)."""
    if callable(calls):
        calls = iter(calls, None)
    if warmup:
        asyncio.run(_run(name, port, calls, min(concurrency, warmup), warmup, 30, False))
    if rate:
        return asyncio.run(_paced(name, port, calls, rate, max_seconds, keep))
    return asyncio.run(_run(name, port, calls, concurrency, max_requests, max_seconds, keep))
